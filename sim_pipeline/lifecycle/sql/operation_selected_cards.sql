-- The cards each operation row of one step selects, one row per (operation row, card), with the card as
-- it is before the step, joined by the step's condition (a fixed fragment: by ICCID, IMSI, ICCID
-- range, account or a card filter). A card not managed by the acting reseller ($reseller, null for the
-- administrator) is kept and marked foreign: touching it rejects the row, and nothing else is said of it.
create or replace temp table op_selected as
select
    r.op_index,
    c.*,
    ($reseller is not null and c.managed_by is distinct from $reseller) as is_foreign,
from op_rows as r
join cards as c
    on __match__
