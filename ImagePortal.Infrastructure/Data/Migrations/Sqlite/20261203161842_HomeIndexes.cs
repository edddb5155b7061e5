using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class HomeIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_State_FinishedAt",
                table: "RetrievalJobs",
                columns: new[] { "State", "FinishedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RequestEvents_At",
                table: "RequestEvents",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_RequestingFacilityId_Status_DueAt",
                table: "ImageRequests",
                columns: new[] { "RequestingFacilityId", "Status", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_Status_DecidedAt",
                table: "ImageRequests",
                columns: new[] { "Status", "DecidedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RetrievalJobs_State_FinishedAt",
                table: "RetrievalJobs");

            migrationBuilder.DropIndex(
                name: "IX_RequestEvents_At",
                table: "RequestEvents");

            migrationBuilder.DropIndex(
                name: "IX_ImageRequests_RequestingFacilityId_Status_DueAt",
                table: "ImageRequests");

            migrationBuilder.DropIndex(
                name: "IX_ImageRequests_Status_DecidedAt",
                table: "ImageRequests");
        }
    }
}
