-- Accepted upload rows that add cards, all Available, secrets already sealed (their chunk refs are staged).
-- Stored in ICCID order, so that range operations skip row groups by their min/max (zonemaps);
-- a file already in ICCID order goes in as it is (insert_uploaded_cards_in_file_order.sql).
insert into cards by name
select
    s.iccid,
    cast(s.iccid as hugeint) as iccid_num,
    s.imsi,
    s.sim_type,
    s.amf,
    s.description,
    s.hlr,
    s.managed_by,
    'available' as status,
    s.custom,
    $now as created_at,
    $now as updated_at,
    $file as source_file,
    s.line as source_line,
    s.secret_chunk,
    s.secret_offset,
    s.secret_length
from staged_upload as s
where s.action = 'add'
order by iccid_num
