using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.SqlServer
{
    /// <summary>
    /// SQL Server's patient name key compares code point by code point (a binary collation, as PostgreSQL's "C"): the
    /// database's default collation is a dictionary one, under which the patient search's range could be empty. The
    /// name key's index is dropped and made again around the change, as SQL Server requires.
    /// </summary>
    public partial class SqlServerPatientNameKeyCollation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "PatientNameKey",
                table: "ImageRequests",
                type: "nvarchar(129)",
                maxLength: 129,
                nullable: false,
                collation: "Latin1_General_100_BIN2",
                oldClrType: typeof(string),
                oldType: "nvarchar(129)",
                oldMaxLength: 129);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "PatientNameKey",
                table: "ImageRequests",
                type: "nvarchar(129)",
                maxLength: 129,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "nvarchar(129)",
                oldMaxLength: 129,
                oldCollation: "Latin1_General_100_BIN2");
        }
    }
}
