using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ImagePortal.Infrastructure.Data.Migrations.Sqlite
{
    /// <summary>
    /// Nothing here: only PostgreSQL's patient name key changes, to compare byte by byte (collation "C") whatever the
    /// database's locale; the migration exists so that every provider's set has the same migrations.
    /// </summary>
    public partial class PatientNameKeyCollation : Migration
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
