-- Cards whose secrets were sealed again (a new PIN) point at their slice of the new chunk.
update cards as c
set
    secret_chunk = r.secret_chunk,
    secret_offset = r.secret_offset,
    secret_length = r.secret_length
from op_new_secret_refs as r
where c.iccid = r.iccid
