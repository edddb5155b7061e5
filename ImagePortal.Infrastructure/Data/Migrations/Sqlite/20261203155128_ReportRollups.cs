using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ReportRollups : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ClaimedAt",
                table: "ImageRequests",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CompletedAt",
                table: "ImageRequests",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ReportFigures",
                columns: table => new
                {
                    Grain = table.Column<int>(type: "INTEGER", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    DayFiled = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    RequestingFacilityId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourceFacilityId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Code = table.Column<int>(type: "INTEGER", nullable: false),
                    Value = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReportFigures", x => new { x.Grain, x.Kind, x.DayFiled, x.RequestingFacilityId, x.SourceFacilityId, x.Code });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ReportFigures_Covering",
                table: "ReportFigures",
                columns: new[] { "Grain", "Kind", "DayFiled", "RequestingFacilityId", "SourceFacilityId", "Code", "Value" });

            // The first claim and the end of an import with images, from each request's timeline (the columns are new).
            migrationBuilder.Sql(
                "UPDATE \"ImageRequests\" SET \"ClaimedAt\" = (SELECT MIN(e.\"At\") FROM \"RequestEvents\" e " +
                "WHERE e.\"RequestId\" = \"ImageRequests\".\"Id\" AND e.\"Kind\" = 'Claimed');");
            migrationBuilder.Sql(
                "UPDATE \"ImageRequests\" SET \"CompletedAt\" = (SELECT MAX(e.\"At\") FROM \"RequestEvents\" e " +
                "WHERE e.\"RequestId\" = \"ImageRequests\".\"Id\" AND e.\"Kind\" IN ('Completed', 'PartiallyCompleted')) " +
                "WHERE \"Status\" IN ('Completed', 'PartiallyCompleted');");

            // Asks the first start-up to fill the figures from the history already here (ReportRollup.RebuildIfPendingAsync).
            migrationBuilder.Sql(
                "INSERT INTO \"ReportFigures\" (\"Grain\", \"Kind\", \"DayFiled\", \"RequestingFacilityId\", \"SourceFacilityId\", \"Code\", \"Value\") " +
                "VALUES (0, 99, '0001-01-01', '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000', 0, 0);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ReportFigures");

            migrationBuilder.DropColumn(
                name: "ClaimedAt",
                table: "ImageRequests");

            migrationBuilder.DropColumn(
                name: "CompletedAt",
                table: "ImageRequests");
        }
    }
}
