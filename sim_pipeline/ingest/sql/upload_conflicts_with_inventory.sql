-- Rows of the staged upload that the inventory refuses: an added card already present, an IMSI held by
-- another card, a removed card that is absent, In use, or (for a reseller) not theirs.
-- $reseller is null for the administrator. A reseller never learns who holds a foreign card.
-- $removable: the statuses a card may be deleted from (status.statuses_allowing('delete')).
with staged as (
    select line, action, iccid, imsi from staged_upload
),

cards_here as (
    select iccid, imsi, status, managed_by from cards
),

added_iccid_taken as (
    select s.line, 'ICCID' as column_name, s.iccid as value,
        case
            when $reseller is not null and c.managed_by is distinct from $reseller then 'ICCID not available'
            else 'ICCID already in the inventory (use a remove row first, or leave it out)'
        end as reason
    from staged as s
    join cards_here as c using (iccid)
    where s.action = 'add'
),

added_imsi_taken as (
    select s.line, 'IMSI' as column_name, s.imsi as value,
        case
            when $reseller is not null and c.managed_by is distinct from $reseller then 'IMSI not available'
            else 'IMSI already in the inventory on another card'
        end as reason
    from staged as s
    join cards_here as c on c.imsi = s.imsi and c.iccid <> s.iccid
    where s.action = 'add'
),

removed_refused as (
    select s.line, 'ICCID' as column_name, s.iccid as value,
        case
            when c.iccid is null or ($reseller is not null and c.managed_by is distinct from $reseller)
                then 'not found or not managed by you'
            when c.status = 'in_use' then 'card is In use: unassign it before removing it'
            else 'card is ' || c.status || ': it cannot be removed'
        end as reason
    from staged as s
    left join cards_here as c using (iccid)
    where s.action = 'remove'
        and (c.iccid is null or not list_contains($removable, c.status)
             or ($reseller is not null and c.managed_by is distinct from $reseller))
)

select * from added_iccid_taken
union all
select * from added_imsi_taken
union all
select * from removed_refused
order by line, column_name
