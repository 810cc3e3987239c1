-- The cards of one slice of an accepted upload (uploaded_slice: its added rows, secrets already sealed,
-- their chunk refs beside them), all Available, in the batch's order: ICCID order (ingest sorts a batch
-- that is not), so that range operations skip row groups by their min/max (zonemaps).
insert into cards by name
select
    b.iccid,
    cast(b.iccid as hugeint) as iccid_num,
    b.imsi,
    b.sim_type,
    b.amf,
    b.description,
    b.hlr,
    b.managed_by,
    'available' as status,
    b.custom,
    $now as created_at,
    $now as updated_at,
    $file as source_file,
    b.line as source_line,
    b.secret_chunk,
    b.secret_offset,
    b.secret_length
from uploaded_slice as b
