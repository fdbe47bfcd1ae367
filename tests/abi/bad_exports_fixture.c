/*
 * bad_exports_fixture.c - a deliberately wrong shared library (a non-bndl_ export and a
 * foreign SONAME) that check_exports.sh must reject: the test of the test.
 */
int leaky_helper(void);
int leaky_helper(void) { return 1; }
