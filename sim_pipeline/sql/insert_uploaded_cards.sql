-- Accepted upload rows that add cards, all Available. Secrets arrive sealed (staged_secret_refs).
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
    r.secret_chunk,
    r.secret_offset,
    r.secret_length
from staged_upload as s
left join staged_secret_refs as r using (iccid)
where s.action = 'add'
order by iccid_num
