using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.PostgreSql
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
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Protocol",
                table: "DicomNodes",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "WebAuthentication",
                table: "DicomNodes",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "WebBaseUrl",
                table: "DicomNodes",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebClientId",
                table: "DicomNodes",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebPinnedCaPem",
                table: "DicomNodes",
                type: "character varying(16000)",
                maxLength: 16000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebScope",
                table: "DicomNodes",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "WebTimeoutSeconds",
                table: "DicomNodes",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "WebTokenUrl",
                table: "DicomNodes",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WebUserName",
                table: "DicomNodes",
                type: "character varying(200)",
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
