using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class RetrievalJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ImportedInstances",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    DestinationNodeId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    StudyInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    SopInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Bytes = table.Column<long>(type: "bigint", nullable: false),
                    ImportedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImportedInstances", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ImportedInstances_DicomNodes_DestinationNodeId",
                        column: x => x.DestinationNodeId,
                        principalTable: "DicomNodes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalJobs",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    RequestId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    RequestingFacilityId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SourceFacilityId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    State = table.Column<string>(type: "nvarchar(24)", maxLength: 24, nullable: false),
                    Attempts = table.Column<int>(type: "int", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    LeaseOwner = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: true),
                    LeaseExpiresAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    ExpectedInstances = table.Column<int>(type: "int", nullable: false),
                    DoneInstances = table.Column<int>(type: "int", nullable: false),
                    FailedInstances = table.Column<int>(type: "int", nullable: false),
                    DoneBytes = table.Column<long>(type: "bigint", nullable: false),
                    LastError = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    CancelRequested = table.Column<bool>(type: "bit", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalJobs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RetrievalJobs_ImageRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "ImageRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "FailedInstances",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    StudyInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    SopInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Reason = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FailedInstances", x => x.Id);
                    table.ForeignKey(
                        name: "FK_FailedInstances_RetrievalJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "RetrievalJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "QuarantinedInstances",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    RequestId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    SopInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    StudyInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    PatientId = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    Reason = table.Column<string>(type: "nvarchar(500)", maxLength: 500, nullable: false),
                    FileName = table.Column<string>(type: "nvarchar(100)", maxLength: 100, nullable: false),
                    Bytes = table.Column<long>(type: "bigint", nullable: false),
                    ReceivedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuarantinedInstances", x => x.Id);
                    table.ForeignKey(
                        name: "FK_QuarantinedInstances_RetrievalJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "RetrievalJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RetrievalStudies",
                columns: table => new
                {
                    Id = table.Column<int>(type: "int", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    JobId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    StudyInstanceUid = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    ExpectedInstances = table.Column<int>(type: "int", nullable: false),
                    DoneInstances = table.Column<int>(type: "int", nullable: false),
                    FailedInstances = table.Column<int>(type: "int", nullable: false),
                    DoneBytes = table.Column<long>(type: "bigint", nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    FinishedAt = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RetrievalStudies", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RetrievalStudies_RetrievalJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "RetrievalJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_FailedInstances_JobId_SopInstanceUid",
                table: "FailedInstances",
                columns: new[] { "JobId", "SopInstanceUid" });

            migrationBuilder.CreateIndex(
                name: "IX_ImportedInstances_DestinationNodeId",
                table: "ImportedInstances",
                column: "DestinationNodeId");

            migrationBuilder.CreateIndex(
                name: "IX_ImportedInstances_JobId",
                table: "ImportedInstances",
                column: "JobId");

            migrationBuilder.CreateIndex(
                name: "IX_ImportedInstances_SopInstanceUid_DestinationNodeId",
                table: "ImportedInstances",
                columns: new[] { "SopInstanceUid", "DestinationNodeId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_QuarantinedInstances_JobId",
                table: "QuarantinedInstances",
                column: "JobId");

            migrationBuilder.CreateIndex(
                name: "IX_QuarantinedInstances_RequestId",
                table: "QuarantinedInstances",
                column: "RequestId");

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_RequestId",
                table: "RetrievalJobs",
                column: "RequestId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_RequestingFacilityId_CreatedAt",
                table: "RetrievalJobs",
                columns: new[] { "RequestingFacilityId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_SourceFacilityId_CreatedAt",
                table: "RetrievalJobs",
                columns: new[] { "SourceFacilityId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalJobs_State_NextAttemptAt",
                table: "RetrievalJobs",
                columns: new[] { "State", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_RetrievalStudies_JobId_StudyInstanceUid",
                table: "RetrievalStudies",
                columns: new[] { "JobId", "StudyInstanceUid" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FailedInstances");

            migrationBuilder.DropTable(
                name: "ImportedInstances");

            migrationBuilder.DropTable(
                name: "QuarantinedInstances");

            migrationBuilder.DropTable(
                name: "RetrievalStudies");

            migrationBuilder.DropTable(
                name: "RetrievalJobs");
        }
    }
}
