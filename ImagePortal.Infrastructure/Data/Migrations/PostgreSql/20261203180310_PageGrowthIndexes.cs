using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class PageGrowthIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_State_RequestingFacilityId_CreatedAt",
                table: "RetrievalJobs",
                columns: new[] { "State", "RequestingFacilityId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_State_SourceFacilityId_CreatedAt",
                table: "RetrievalJobs",
                columns: new[] { "State", "SourceFacilityId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_RetrievalJobs_State_RequestingFacilityId_CreatedAt",
                table: "RetrievalJobs");

            migrationBuilder.DropIndex(
                name: "IX_RetrievalJobs_State_SourceFacilityId_CreatedAt",
                table: "RetrievalJobs");
        }
    }
}
