-- Rows of the staged upload whose ICCID or IMSI appears on more than one row of the same file.
-- One row per offending file row: line, column, value, reason (naming the other lines).
-- The repeated values are found by counting first; only their rows are gathered into line lists
-- (a list per value of a 10M-row file would cost more than the count).
with staged as (
    select line, iccid, imsi from staged_upload
),

repeated_iccids as (
    select iccid
    from staged
    where iccid is not null
    group by iccid
    having count(*) > 1
),

repeated_imsis as (
    select imsi
    from staged
    where imsi is not null
    group by imsi
    having count(*) > 1
),

iccid_groups as (
    select s.iccid, list(s.line order by s.line) as lines
    from staged as s
    semi join repeated_iccids as r using (iccid)
    group by s.iccid
),

imsi_groups as (
    select s.imsi, list(s.line order by s.line) as lines
    from staged as s
    semi join repeated_imsis as r using (imsi)
    group by s.imsi
),

findings as (
    select s.line, 'ICCID' as column_name, s.iccid as value,
        'duplicate ICCID in this file (lines ' || array_to_string(list_slice(g.lines, 1, 10), ', ')
            || case when len(g.lines) > 10 then ', ...' else '' end || ')' as reason
    from staged as s
    join iccid_groups as g using (iccid)
    union all
    select s.line, 'IMSI' as column_name, s.imsi as value,
        'duplicate IMSI in this file (lines ' || array_to_string(list_slice(g.lines, 1, 10), ', ')
            || case when len(g.lines) > 10 then ', ...' else '' end || ')' as reason
    from staged as s
    join imsi_groups as g using (imsi)
)

select * from findings order by line, column_name
