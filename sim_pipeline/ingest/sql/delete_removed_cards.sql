-- Accepted upload rows that remove cards (removed_rows: ordinal, line, iccid; their history rows are already written).
delete from cards
where iccid in (select iccid from removed_rows)
