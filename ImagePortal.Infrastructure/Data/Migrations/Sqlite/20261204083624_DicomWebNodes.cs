using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DicomWebNodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ProtectedSecret",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Protocol",
                table: "DicomNodes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "WebAuthentication",
                table: "DicomNodes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "WebBaseUrl",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebClientId",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebPinnedCaPem",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 16000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebScope",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "WebTimeoutSeconds",
                table: "DicomNodes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "WebTokenUrl",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebUserName",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ProtectedSecret",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "Protocol",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebAuthentication",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebBaseUrl",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebClientId",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebPinnedCaPem",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebScope",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebTimeoutSeconds",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebTokenUrl",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "WebUserName",
                table: "DicomNodes");
        }
    }
}
