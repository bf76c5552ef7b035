package journal

// OpenSQLiteWithPragmas lets tests add pragmas, such as a size limit that
// makes the database behave like a full disk.
var OpenSQLiteWithPragmas = openSQLite
