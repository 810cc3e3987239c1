-- Accepted upload rows that remove cards (their history rows are already written).
delete from cards
where iccid in (select iccid from staged_upload where action = 'remove')
