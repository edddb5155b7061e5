using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class NodeLastEcho : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastEchoAt",
                table: "DicomNodes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastEchoError",
                table: "DicomNodes",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "LastEchoSucceeded",
                table: "DicomNodes",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastEchoAt",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "LastEchoError",
                table: "DicomNodes");

            migrationBuilder.DropColumn(
                name: "LastEchoSucceeded",
                table: "DicomNodes");
        }
    }
}
