using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class NodeLastEcho : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastEchoAt",
                table: "DicomNodes",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LastEchoError",
                table: "DicomNodes",
                type: "nvarchar(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "LastEchoSucceeded",
                table: "DicomNodes",
                type: "bit",
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
