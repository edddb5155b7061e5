using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class LedgerByStudy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ImportedInstances_DestinationNodeId",
                table: "ImportedInstances");

            migrationBuilder.CreateIndex(
                name: "IX_ImportedInstances_DestinationNodeId_StudyInstanceUid",
                table: "ImportedInstances",
                columns: new[] { "DestinationNodeId", "StudyInstanceUid" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ImportedInstances_DestinationNodeId_StudyInstanceUid",
                table: "ImportedInstances");

            migrationBuilder.CreateIndex(
                name: "IX_ImportedInstances_DestinationNodeId",
                table: "ImportedInstances",
                column: "DestinationNodeId");
        }
    }
}
