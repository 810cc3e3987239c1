-- The custom fields of the inventory, oldest first: one row per field, field_name.
select name as field_name
from custom_fields
order by created_at, name
