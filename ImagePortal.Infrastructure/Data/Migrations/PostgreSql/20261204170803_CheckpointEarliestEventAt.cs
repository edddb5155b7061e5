using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class CheckpointEarliestEventAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "EarliestEventAt",
                table: "AuditCheckpoints",
                type: "timestamp with time zone",
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
