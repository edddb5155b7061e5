using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class RequestTickets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ImageRequests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Number = table.Column<string>(type: "nvarchar(20)", maxLength: 20, nullable: false),
                    RequestingFacilityId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SourceFacilityId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    ModalityScope = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    StudyDateFrom = table.Column<DateOnly>(type: "date", nullable: true),
                    StudyDateTo = table.Column<DateOnly>(type: "date", nullable: true),
                    StudyDescription = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: true),
                    AccessionNumber = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    ClinicalReason = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: false),
                    Priority = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    DueAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    RequestedByUserId = table.Column<string>(type: "nvarchar(450)", maxLength: 450, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    Status = table.Column<string>(type: "nvarchar(24)", maxLength: 24, nullable: false),
                    ClaimedByUserId = table.Column<string>(type: "nvarchar(450)", maxLength: 450, nullable: true),
                    DecidedByUserId = table.Column<string>(type: "nvarchar(450)", maxLength: 450, nullable: true),
                    DecidedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    DenialReason = table.Column<string>(type: "nvarchar(40)", maxLength: 40, nullable: true),
                    DecisionNote = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    Version = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    PatientBirthDate = table.Column<DateOnly>(type: "date", nullable: true),
                    PatientFamilyName = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    PatientGivenName = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    PatientLocalMrn = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    PatientSex = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    PatientSourceMrn = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ImageRequests_Facilities_RequestingFacilityId",
                        column: x => x.RequestingFacilityId,
                        principalTable: "Facilities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_ImageRequests_Facilities_SourceFacilityId",
                        column: x => x.SourceFacilityId,
                        principalTable: "Facilities",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RequestedStudies",
                columns: table => new
                {
                    Id = table.Column<int>(type: "int", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    RequestId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    StudyInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    StudyDate = table.Column<DateOnly>(type: "date", nullable: true),
                    Modalities = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Description = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    AccessionNumber = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: true),
                    ExpectedInstances = table.Column<int>(type: "int", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RequestedStudies", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RequestedStudies_ImageRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "ImageRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RequestEvents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    RequestId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Kind = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    UserId = table.Column<string>(type: "nvarchar(450)", maxLength: 450, nullable: true),
                    Text = table.Column<string>(type: "nvarchar(2000)", maxLength: 2000, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RequestEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RequestEvents_ImageRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "ImageRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_Number",
                table: "ImageRequests",
                column: "Number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_RequestingFacilityId_CreatedAt",
                table: "ImageRequests",
                columns: new[] { "RequestingFacilityId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_ImageRequests_SourceFacilityId_Status_DueAt",
                table: "ImageRequests",
                columns: new[] { "SourceFacilityId", "Status", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RequestedStudies_RequestId_StudyInstanceUid",
                table: "RequestedStudies",
                columns: new[] { "RequestId", "StudyInstanceUid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RequestEvents_RequestId_At",
                table: "RequestEvents",
                columns: new[] { "RequestId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RequestedStudies");

            migrationBuilder.DropTable(
                name: "RequestEvents");

            migrationBuilder.DropTable(
                name: "ImageRequests");
        }
    }
}
