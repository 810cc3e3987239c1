-- Every selected card after its operation row, one row per (operation row, card): the status from the
-- status table (sim_pipeline/status.py: its moves as a VALUES list, its guards as one expression), the
-- other fields from what the action does, the changes as {"field": [before, after]}, and whether
-- anything changed.
create or replace temp table op_after as
with moves as (
    __moves__
),

decided as (
    select
        t.*,
        r.line,
        r.action,
        r.move,
        r.reason,
        r.has_pin,
        r.custom_patch,
        r.customer as requested_customer,
        t.status as old_status,
        m.move is not null as is_allowed,
        m.guard,
        coalesce(__guard_ok__, true) as is_guard_ok,
        case when m.move is null then t.status else m.to_status end as to_status,
        case
            when r.action = 'assign' then r.account_id
            when r.action in ('unassign', 'terminate_account', 'deactivate') then null
            else t.account_id
        end as new_account_id,
        case
            when r.action in ('allocate', 'assign') and r.customer is not null then r.customer
            when r.action = 'deallocate' and r.dealloc_customer is not null then null
            else t.customer
        end as new_customer,
        case
            when r.action in ('allocate', 'update') and r.distributor is not null then r.distributor
            when r.action = 'deallocate' and r.dealloc_distributor is not null then null
            else t.distributor
        end as new_distributor,
        case
            when r.action in ('allocate', 'update') and r.representative is not null then r.representative
            when r.action = 'deallocate' and r.dealloc_representative is not null then null
            else t.representative
        end as new_representative,
        case when r.action = 'update' then coalesce(r.description, t.description) else t.description end
            as new_description,
        case when r.action = 'update' then coalesce(r.managed_by, t.managed_by) else t.managed_by end
            as new_managed_by,
        r.action = 'update' and r.custom_patch is not null and list_bool_or(list_transform(
            json_keys(r.custom_patch),
            lambda k: json_extract_string(t.custom, '$."' || k || '"')
                is distinct from json_extract_string(r.custom_patch, '$."' || k || '"')
        )) as is_custom_changed,
        case when r.action = 'activate' then coalesce(t.activated_at, r.activated_at) else t.activated_at end
            as new_activated_at,
    from op_selected as t
    join op_rows as r using (op_index)
    left join moves as m
        on m.move = r.move
        and m.from_status = t.status
        and (m.detailed is null or m.detailed = $detailed)
        and (m.activated is null or m.activated = (t.activated_at is not null))
),

after as (
    select
        d.*,
        d.is_allowed and d.move = 'delete' as is_deleted,
        d.to_status as new_status,
        -- MSISDN := the account ID on assignment (the seed), cleared with it.
        d.new_account_id as new_msisdn,
        case when d.is_custom_changed then json_merge_patch(coalesce(d.custom, '{}'), d.custom_patch)
            else d.custom end as new_custom,
        case when d.to_status = 'disposed' and d.old_status <> 'disposed' then $now else d.disposed_at end
            as new_disposed_at,
    from decided as d
),

changes as (
    select
        a.*,
        list_filter([
            {'key': 'status', 'value': to_json([a.old_status, a.new_status]), 'is_changed': a.old_status is distinct from a.new_status},
            {'key': 'msisdn', 'value': to_json([a.msisdn, a.new_msisdn]), 'is_changed': a.msisdn is distinct from a.new_msisdn},
            {'key': 'account_id', 'value': to_json([a.account_id, a.new_account_id]), 'is_changed': a.account_id is distinct from a.new_account_id},
            {'key': 'customer', 'value': to_json([a.customer, a.new_customer]), 'is_changed': a.customer is distinct from a.new_customer},
            {'key': 'distributor', 'value': to_json([a.distributor, a.new_distributor]), 'is_changed': a.distributor is distinct from a.new_distributor},
            {'key': 'representative', 'value': to_json([a.representative, a.new_representative]), 'is_changed': a.representative is distinct from a.new_representative},
            {'key': 'description', 'value': to_json([a.description, a.new_description]), 'is_changed': a.description is distinct from a.new_description},
            {'key': 'managed_by', 'value': to_json([a.managed_by, a.new_managed_by]), 'is_changed': a.managed_by is distinct from a.new_managed_by},
            {'key': 'custom', 'value': to_json([a.custom, a.new_custom]), 'is_changed': a.is_custom_changed},
            {'key': 'activated_at', 'value': to_json([a.activated_at, a.new_activated_at]), 'is_changed': a.activated_at is distinct from a.new_activated_at},
            {'key': 'disposed_at', 'value': to_json([a.disposed_at, a.new_disposed_at]), 'is_changed': a.disposed_at is distinct from a.new_disposed_at},
            -- A PIN never reaches the history: only the fact that it changed.
            {'key': 'pin1', 'value': to_json(['***', '***']), 'is_changed': a.has_pin}
        ], lambda x: x.is_changed) as changed_fields,
    from after as a
)

select
    c.* exclude (changed_fields),
    to_json(map_from_entries(list_transform(c.changed_fields, lambda x: {'key': x.key, 'value': x.value})))
        as changes,
    c.is_deleted or len(c.changed_fields) > 0 as is_changed,
from changes as c
