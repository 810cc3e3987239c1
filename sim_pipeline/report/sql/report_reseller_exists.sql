-- Whether $reseller is a reseller of this inventory (registered, or managing cards in the history): one row, is_known.
select
    exists (select 1 from resellers where name = $reseller)
    or exists (select 1 from card_history where managed_by = $reseller) as is_known
