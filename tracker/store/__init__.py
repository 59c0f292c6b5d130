"""Everything that speaks SQL: the schema, the database handle, the queries."""
