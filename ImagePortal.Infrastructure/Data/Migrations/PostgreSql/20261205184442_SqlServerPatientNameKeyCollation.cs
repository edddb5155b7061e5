using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.PostgreSql
{
    /// <summary>
    /// Nothing here: only SQL Server's patient name key changes, to compare code point by code point (a binary
    /// collation) whatever the database's default; the migration exists so that every provider's set has the same migrations.
    /// </summary>
    public partial class SqlServerPatientNameKeyCollation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
