using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditEvents",
                columns: table => new
                {
                    Sequence = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: true),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    FacilityId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Address = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    PatientId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ObjectReference = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    PreviousHash = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false),
                    Hash = table.Column<string>(type: "TEXT", fixedLength: true, maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEvents", x => x.Sequence);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_At_Type",
                table: "AuditEvents",
                columns: new[] { "At", "Type" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_FacilityId_At",
                table: "AuditEvents",
                columns: new[] { "FacilityId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_Id",
                table: "AuditEvents",
                column: "Id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_PreviousHash",
                table: "AuditEvents",
                column: "PreviousHash",
                unique: true);
        
            // Append-only at the database too: an UPDATE or DELETE on the trail fails (RELIABILITY_CHECKLIST 33).
            migrationBuilder.Sql("CREATE TRIGGER AuditEvents_NoUpdate BEFORE UPDATE ON AuditEvents BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER AuditEvents_NoDelete BEFORE DELETE ON AuditEvents BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS AuditEvents_NoUpdate;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS AuditEvents_NoDelete;");

            migrationBuilder.DropTable(
                name: "AuditEvents");
        }
    }
}
