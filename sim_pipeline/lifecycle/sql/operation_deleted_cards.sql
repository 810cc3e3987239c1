-- The cards of one step that a delete row removes (their history stays).
delete from cards as c
using op_after as a
where c.iccid = a.iccid
    and a.is_deleted
