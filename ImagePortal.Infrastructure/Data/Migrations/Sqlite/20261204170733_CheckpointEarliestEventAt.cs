using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CheckpointEarliestEventAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "EarliestEventAt",
                table: "AuditCheckpoints",
                type: "INTEGER",
                nullable: true);

            // The checkpoints written so far, as AuditCheckpoints computes it for a new one.
            migrationBuilder.Sql(ImagePortal.Infrastructure.Audit.AuditCheckpointBackfill.Standard);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "EarliestEventAt",
                table: "AuditCheckpoints");
        }
    }
}
