using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ApprovedSourcePatient : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SourceIssuerOfPatientId",
                table: "RequestedStudies",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateOnly>(
                name: "SourcePatientBirthDate",
                table: "RequestedStudies",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourcePatientId",
                table: "RequestedStudies",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourcePatientName",
                table: "RequestedStudies",
                type: "TEXT",
                maxLength: 324,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "SourceIssuerOfPatientId",
                table: "RequestedStudies");

            migrationBuilder.DropColumn(
                name: "SourcePatientBirthDate",
                table: "RequestedStudies");

            migrationBuilder.DropColumn(
                name: "SourcePatientId",
                table: "RequestedStudies");

            migrationBuilder.DropColumn(
                name: "SourcePatientName",
                table: "RequestedStudies");
        }
    }
}
