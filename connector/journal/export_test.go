package journal

// OpenSQLiteWithPragmas lets tests add pragmas, such as a size limit that
// makes the database behave like a full disk.
var OpenSQLiteWithPragmas = openSQLite

// MigrationNames lists a driver's embedded migrations, in order.
func MigrationNames(driver string) []string {
	var names []string
	for _, m := range migrations(driver) {
		names = append(names, m.name)
	}
	return names
}
