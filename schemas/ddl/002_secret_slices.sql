-- Version 2: the secrets of large uploads stored card by card. Applied by sim_pipeline/migrations.py.
--
-- A chunk sealed by an ingest (`sliced`) keeps in secret_chunks only its nonce and its 16-byte GCM tag;
-- its ciphertext is one secret_slices row per card: the card's bytes of the chunk's ciphertext (AES-GCM
-- encrypts byte for byte, so they stand at the card's secret_offset and secret_length). Opening a card
-- still authenticates its whole chunk. Why: a 10M-card upload now inserts 10M small rows, which DuckDB
-- writes to the file once, in row groups; 200 chunk rows of 8 MB each went through the WAL and then the
-- checkpoint (1.65 GB written twice) and had to fit in memory until the commit (they did not, at 1 GB).
-- Ciphertext does not compress: trying to (DuckDB analyses every column it writes) made its insert 5x slower.
alter table secret_chunks add column sliced boolean default false;

create table secret_slices (
    chunk_id bigint not null,
    slice_offset integer not null,     -- the card's secret_offset in the chunk
    ciphertext blob using compression uncompressed not null
);
