-- Accounts first named by an assign row of one step, with their customer (the inventory remembers it).
insert into accounts
select distinct r.account_id, r.customer
from op_rows as r
where r.action = 'assign'
    and r.account_id not in (select k.account_id from accounts as k)
    and exists (select 1 from op_after as a where a.op_index = r.op_index and a.is_changed)
