"""apply (batch files) and the group operations: allocate, deallocate, assign, unassign, deactivate,
terminate-account, activate, delete, update.

Each group command builds the operation row a batch file would hold, its cards picked by the shared
filters (sim_pipeline/cli/filters.py), so a command and a batch line take one code path.
"""

from __future__ import annotations

from pathlib import Path

import typer

from sim_pipeline.actor import Actor
from sim_pipeline.store.card_filter import parse_custom
from sim_pipeline.cli import filters as fo
from sim_pipeline.cli.app import app
from sim_pipeline.cli.lifecycle_run import read_pin, report, run_group
from sim_pipeline.cli.options import AS_ACTOR, DRY_RUN, JSON, QUIET
from sim_pipeline.cli.output import progress
from sim_pipeline.cli.writing import writing
from sim_pipeline.settings import Settings

ALL = typer.Option(False, "--all", help="Act on every card (you manage) when no filter is given.")
REASON = typer.Option(None, "--reason", help="Why, written to the change history.")


@app.command("apply")
def apply_cmd(
    files: list[Path] = typer.Argument(..., help="Batch files: CSV or XLSX, an `action` column, one "
                                       "operation per row.", metavar="FILE..."),
    as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN, json_out: bool = JSON, quiet: bool = QUIET,
    force: bool = typer.Option(False, "--force", help="Apply a file again although the same content was applied."),
) -> None:
    """Apply batch files of group operations in file order, each file all or nothing.

    Actions: allocate, deallocate, assign, unassign, deactivate, terminate_account, activate, delete, update.
    A row selects cards by iccid, imsi, iccid_from+iccid_to, or account_id (terminate_account); its other
    columns (customer, distributor, representative, account_id, activated_at, reason, description, pin,
    managed_by, '<Name> custom') are the parameters. A rejected file writes a report under rejections/.

    Example: sim-pipeline apply allocate-adam-smith.csv --dry-run
    """
    from sim_pipeline.lifecycle.batch import apply_file

    actor = Actor.parse(as_actor)
    settings = Settings.from_env()
    results = []
    with writing(settings, quiet) as con, progress("applying", len(files), quiet) as bar:
        for path in files:
            results.append(apply_file(con, settings, path, actor, dry_run=dry_run, force=force))
            bar.advance(1)
    for r in results:
        report(r, json_out, quiet)
    if any(r.status == "rejected" for r in results):
        raise typer.Exit(1)


@app.command("allocate")
def allocate_cmd(
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM, activated: bool = fo.ACTIVATED,
    to_customer: str = typer.Option(None, "--to-customer", help="Allocate to this customer (Available -> Reserved)."),
    to_distributor: str = typer.Option(None, "--to-distributor", help="Allocate to this distributor."),
    to_representative: str = typer.Option(None, "--to-representative", help="Allocate to this representative."),
    reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
    json_out: bool = JSON,
) -> None:
    """Allocate the filtered cards to a customer, distributor and/or representative.

    Example: sim-pipeline allocate --iccid-from 1949177921756150001 --iccid-to 1949177921756150100 --to-distributor "Adam Smith"
    """
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer, custom,
                         activated)
    params = {"customer": to_customer, "distributor": to_distributor, "representative": to_representative,
              "reason": reason}
    run_group("allocate", "allocate", f, params, as_actor=as_actor, dry_run=dry_run, json_out=json_out,
              all_cards=all_cards)


@app.command("deallocate")
def deallocate_cmd(
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM, activated: bool = fo.ACTIVATED,
    from_customer: str = typer.Option(None, "--from-customer", help="Remove this customer's allocation ('*': any)."),
    from_distributor: str = typer.Option(None, "--from-distributor", help="Remove this distributor ('*': any)."),
    from_representative: str = typer.Option(None, "--from-representative", help="Remove this representative ('*': any)."),
    reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
    json_out: bool = JSON,
) -> None:
    """Remove allocations from the filtered cards; with no --from-* option, the customer's (Reserved -> Available).

    Example: sim-pipeline deallocate --customer "Acme Ltd" --status reserved
    """
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer, custom,
                         activated)
    params = {"customer": from_customer, "distributor": from_distributor, "representative": from_representative,
              "reason": reason}
    run_group("deallocate", "deallocate", f, params, as_actor=as_actor, dry_run=dry_run, json_out=json_out,
              all_cards=all_cards)


@app.command("assign")
def assign_cmd(
    account_id: str = typer.Option(..., "--account-id", help="The account (it becomes the card's MSISDN)."),
    customer: str = typer.Option(..., "--customer", help="The account's customer."),
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    custom: list[str] = fo.CUSTOM, activated: bool = fo.ACTIVATED,
    iccid: str = typer.Option(None, "--iccid", help="The card to assign."),
    reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
    json_out: bool = JSON,
) -> None:
    """Assign the filtered cards to an account of a customer: In use, MSISDN = the account ID.

    Example: sim-pipeline assign --iccid 1949177921756150001 --account-id 380501234567 --customer "Acme Ltd"
    """
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, None, custom,
                         activated)
    run_group("assign", "assign", f, {"account_id": account_id, "customer": customer, "reason": reason},
              as_actor=as_actor, dry_run=dry_run, json_out=json_out, all_cards=all_cards,
              iccids=[iccid] if iccid else None)


def _simple(command: str, action: str, doc: str) -> None:
    """Register a command that takes only the filters and a reason (unassign, deactivate)."""

    def command_fn(
        status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
        managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR,
        representative: str = fo.REPRESENTATIVE, customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM,
        activated: bool = fo.ACTIVATED, iccid: str = typer.Option(None, "--iccid", help="One card."),
        reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
        json_out: bool = JSON,
    ) -> None:
        f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer,
                             custom, activated)
        run_group(command, action, f, {"reason": reason}, as_actor=as_actor, dry_run=dry_run,
                  json_out=json_out, all_cards=all_cards, iccids=[iccid] if iccid else None)

    command_fn.__doc__ = doc
    command_fn.__name__ = f"{action}_cmd"
    app.command(command)(command_fn)


_simple("unassign", "unassign", """Unassign the filtered cards from their accounts: In use -> Disposed (with
    UseDetailedSIMStatuses = Yes, a card never activated returns to Reserved for its customer).

    Example: sim-pipeline unassign --iccid 1949177921756150001 --reason "assigned by mistake"
    """)
_simple("deactivate", "deactivate", """Deactivate the filtered cards (lost, damaged): In use -> Disposed.

    Example: sim-pipeline deactivate --iccid 1949177921756150001 --reason lost
    """)


@app.command("terminate-account")
def terminate_account_cmd(
    account_id: str = typer.Option(..., "--account-id", help="The terminated account: all its cards."),
    reason: str = REASON, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN, json_out: bool = JSON,
) -> None:
    """Unassign every card of a terminated account (as unassign does).

    Example: sim-pipeline terminate-account --account-id 380501234567 --reason "contract ended"
    """
    f = fo.FilterOptions([], None, None, None, None, None, None, [], None)
    run_group("terminate-account", "terminate_account", f, {"account_id": account_id, "reason": reason},
              as_actor=as_actor,
              dry_run=dry_run, json_out=json_out, all_cards=False, account_id=account_id)


@app.command("activate")
def activate_cmd(
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM,
    iccid: str = typer.Option(None, "--iccid", help="One card."),
    activated_at: str = typer.Option(None, "--activated-at", help="When the network activated it (ISO; default now)."),
    reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
    json_out: bool = JSON,
) -> None:
    """Record that the network activated the filtered cards (no status change).

    Example: sim-pipeline activate --iccid 1949177921756150001 --activated-at 2026-11-30T10:00:00Z
    """
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer, custom,
                         None)
    when = activated_at or Settings.from_env().now().isoformat()
    run_group("activate", "activate", f, {"activated_at": when, "reason": reason}, as_actor=as_actor,
              dry_run=dry_run, json_out=json_out, all_cards=all_cards, iccids=[iccid] if iccid else None)


@app.command("delete")
def delete_cmd(
    iccids: list[str] = typer.Argument(None, help="ICCIDs of the cards to delete.", metavar="[ICCID]..."),
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM, activated: bool = fo.ACTIVATED,
    reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
    json_out: bool = JSON,
) -> None:
    """Delete cards (any status but In use); their history stays.

    Example: sim-pipeline delete 1949177921756150001 1949177921756150002 --dry-run
    """
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer, custom,
                         activated)
    run_group("delete", "delete", f, {"reason": reason}, as_actor=as_actor, dry_run=dry_run, json_out=json_out,
              all_cards=all_cards, iccids=iccids or None)


@app.command("update")
def update_cmd(
    status: list[str] = fo.STATUS, iccid_from: str = fo.ICCID_FROM, iccid_to: str = fo.ICCID_TO,
    managed_by: str = fo.MANAGED_BY, distributor: str = fo.DISTRIBUTOR, representative: str = fo.REPRESENTATIVE,
    customer: str = fo.CUSTOMER, custom: list[str] = fo.CUSTOM, activated: bool = fo.ACTIVATED,
    iccid: str = typer.Option(None, "--iccid", help="One card."),
    set_custom: list[str] = typer.Option([], "--set-custom", help="NAME=VALUE of a defined custom field "
                                         "(repeatable; an empty VALUE clears it)."),
    set_description: str = typer.Option(None, "--set-description"),
    set_distributor: str = typer.Option(None, "--set-distributor"),
    set_representative: str = typer.Option(None, "--set-representative"),
    set_managed_by: str = typer.Option(None, "--set-managed-by", help="'admin' or a reseller name."),
    pin_from: str = typer.Option(None, "--pin-from", help="'-' reads the new PIN from standard input "
                                 "(cards not yet activated only)."),
    reason: str = REASON, all_cards: bool = ALL, as_actor: str = AS_ACTOR, dry_run: bool = DRY_RUN,
    json_out: bool = JSON,
) -> None:
    """Update details of the filtered cards (no status change): custom fields, description, partners,
    managed by, PIN.

    Example: sim-pipeline update --iccid-from 1949177921756150101 --iccid-to 1949177921756150200 --set-custom Marketplace=Amazon
    """
    f = fo.FilterOptions(status, iccid_from, iccid_to, managed_by, distributor, representative, customer, custom,
                         activated)
    params = {"description": set_description, "distributor": set_distributor, "representative": set_representative,
              "managed_by": set_managed_by, "pin": read_pin(pin_from), "reason": reason,
              **{f"custom:{name}": value for name, value in parse_custom(set_custom)}}
    run_group("update", "update", f, params, as_actor=as_actor, dry_run=dry_run, json_out=json_out,
              all_cards=all_cards, iccids=[iccid] if iccid else None)
