-- What stops the operation rows of one step, one row per problem, at most 100 per operation row and kind
-- (count_problems says how many there are): a row that names cards and finds none, a card not managed
-- by the acting reseller (nothing more is said of it), a move the status table does not allow, a broken
-- guard, an account of another customer, a deallocation naming a party the card is not allocated to.
with per_row as (
    select
        r.op_index,
        r.line,
        count(t.iccid) as count_cards,
        count(t.iccid) filter (where t.is_foreign) as count_foreign,
    from op_rows as r
    left join op_selected as t using (op_index)
    group by all
),

rows_in_error as (
    select op_index, line, 'not_found' as problem, null as iccid
    from per_row
    where count_cards = 0 and $names_cards
    union all
    select op_index, line, 'foreign' as problem, null as iccid
    from per_row
    where count_foreign > 0
),

cards_in_error as (
    select op_index, line, 'illegal' as problem, iccid, old_status, move, null as guard,
        customer as card_customer, requested_customer, null as column_name, null as value
    from op_after
    where not is_foreign and not is_allowed
    union all
    select op_index, line, 'guard' as problem, iccid, old_status, move, guard,
        customer as card_customer, requested_customer, null as column_name, null as value
    from op_after
    where not is_foreign and is_allowed and not is_guard_ok
),

named_parties as (
    select r.op_index, unnest([
        {'column_name': 'customer', 'named': r.dealloc_customer},
        {'column_name': 'distributor', 'named': r.dealloc_distributor},
        {'column_name': 'representative', 'named': r.dealloc_representative}
    ], recursive := true)
    from op_rows as r
    where r.action = 'deallocate'
),

wrong_party as (
    select t.op_index, a.line, 'dealloc' as problem, t.iccid, t.status as old_status, a.move, null as guard,
        case p.column_name when 'customer' then t.customer when 'distributor' then t.distributor
            else t.representative end as card_customer,
        null as requested_customer, p.column_name, p.named as value
    from named_parties as p
    join op_selected as t using (op_index)
    join op_after as a using (op_index, iccid)
    where not t.is_foreign and p.named is not null and p.named <> '*'
        and p.named is distinct from (case p.column_name when 'customer' then t.customer
            when 'distributor' then t.distributor else t.representative end)
),

account_owner as (
    select
        r.op_index,
        r.line,
        r.account_id,
        r.customer,
        coalesce(k.customer, first_value(r.customer) over (partition by r.account_id order by r.op_index))
            as owner,
    from op_rows as r
    left join accounts as k using (account_id)
    where r.action = 'assign'
),

wrong_account as (
    select op_index, line, 'account' as problem, null as iccid, null as old_status, 'assign' as move,
        null as guard, owner as card_customer, customer as requested_customer, 'customer' as column_name,
        account_id as value
    from account_owner
    where customer is distinct from owner
),

problems as (
    select op_index, line, problem, iccid, null as old_status, null as move, null as guard,
        null as card_customer, null as requested_customer, null as column_name, null as value
    from rows_in_error
    union all
    select * from cards_in_error
    union all
    select * from wrong_party
    union all
    select * from wrong_account
)

select
    *,
    count(*) over (partition by op_index, problem) as count_problems,
from problems
qualify row_number() over (partition by op_index, problem order by iccid) <= 100
order by op_index, problem, iccid
