-- Dropping search_text in 0006 dropped its trigram index with it, and drizzle, whose snapshot
-- still lists the index, does not create it again: search needs it back.
CREATE INDEX "clients_search_idx" ON "clients" USING gin ("owner_id","search_text" gin_trgm_ops);
