-- Client search ignores case and accents both ways: "muller" finds "Müller", "müller" "Muller".
-- unaccent() is only STABLE (its dictionary could be changed), so a generated column and its
-- index cannot call it. This wrapper names the dictionary, binds it when created (a SQL-standard
-- body), and is IMMUTABLE as long as the unaccent rules stay as shipped with PostgreSQL.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE FUNCTION search_fold(value text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN lower(unaccent('unaccent'::regdictionary, value));
