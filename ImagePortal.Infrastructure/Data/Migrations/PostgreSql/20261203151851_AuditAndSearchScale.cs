using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AuditAndSearchScale : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PatientNameKey",
                table: "ImageRequests",
                type: "character varying(129)",
                maxLength: 129,
                nullable: false,
                defaultValue: "");

            // The key of the requests filed so far. The database's UPPER folds only ASCII letters on SQLite; the portal
            // writes the key of every row again, in .NET, when it applies this migration (DatabaseInitializer).
            migrationBuilder.Sql("""
                UPDATE "ImageRequests" SET "PatientNameKey" = upper("PatientFamilyName" || coalesce(' ' || "PatientGivenName", ''))
                """);

            // EF indexes no column of a complex property (Patient): the searches by MRN within the facility.
            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_RequestingFacilityId_PatientLocalMrn",
                table: "ImageRequests",
                columns: new[] { "RequestingFacilityId", "PatientLocalMrn" });

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_RequestingFacilityId_PatientSourceMrn",
                table: "ImageRequests",
                columns: new[] { "RequestingFacilityId", "PatientSourceMrn" });

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_RequestingFacilityId_PatientNameKey_Number",
                table: "ImageRequests",
                columns: new[] { "RequestingFacilityId", "PatientNameKey", "Number" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_FacilityId_Sequence",
                table: "AuditEvents",
                columns: new[] { "FacilityId", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ImageRequests_RequestingFacilityId_PatientLocalMrn",
                table: "ImageRequests");

            migrationBuilder.DropIndex(
                name: "IX_ImageRequests_RequestingFacilityId_PatientSourceMrn",
                table: "ImageRequests");

            migrationBuilder.DropIndex(
                name: "IX_ImageRequests_RequestingFacilityId_PatientNameKey_Number",
                table: "ImageRequests");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_FacilityId_Sequence",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "PatientNameKey",
                table: "ImageRequests");
        }
    }
}
