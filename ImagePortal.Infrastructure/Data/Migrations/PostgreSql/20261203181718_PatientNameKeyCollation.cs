using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class PatientNameKeyCollation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "PatientNameKey",
                table: "ImageRequests",
                type: "character varying(129)",
                maxLength: 129,
                nullable: false,
                collation: "C",
                oldClrType: typeof(string),
                oldType: "character varying(129)",
                oldMaxLength: 129);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "PatientNameKey",
                table: "ImageRequests",
                type: "character varying(129)",
                maxLength: 129,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(129)",
                oldMaxLength: 129,
                oldCollation: "C");
        }
    }
}
