using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class QuarantineStates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Resolution",
                table: "QuarantinedInstances",
                type: "nvarchar(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ResolvedAt",
                table: "QuarantinedInstances",
                type: "datetimeoffset",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ResolvedBy",
                table: "QuarantinedInstances",
                type: "nvarchar(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SourceAeTitle",
                table: "QuarantinedInstances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: true);

            // Every instance quarantined before states existed is still held.
            migrationBuilder.AddColumn<string>(
                name: "State",
                table: "QuarantinedInstances",
                type: "nvarchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Held");

            migrationBuilder.CreateIndex(
                name: "IX_QuarantinedInstances_State_ReceivedAt",
                table: "QuarantinedInstances",
                columns: new[] { "State", "ReceivedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_QuarantinedInstances_State_ReceivedAt",
                table: "QuarantinedInstances");

            migrationBuilder.DropColumn(
                name: "Resolution",
                table: "QuarantinedInstances");

            migrationBuilder.DropColumn(
                name: "ResolvedAt",
                table: "QuarantinedInstances");

            migrationBuilder.DropColumn(
                name: "ResolvedBy",
                table: "QuarantinedInstances");

            migrationBuilder.DropColumn(
                name: "SourceAeTitle",
                table: "QuarantinedInstances");

            migrationBuilder.DropColumn(
                name: "State",
                table: "QuarantinedInstances");
        }
    }
}
