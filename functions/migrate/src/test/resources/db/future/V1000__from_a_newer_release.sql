-- Stands in for a migration a newer release applied: the schema is ahead of the code under test.
CREATE TABLE applied_by_a_newer_release (id integer PRIMARY KEY);
