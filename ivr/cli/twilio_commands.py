"""flask twilio configure: point a Twilio number's voice webhooks at this app, with the twilio REST client."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask.cli import AppGroup

twilio_group = AppGroup("twilio", help="Set up a Twilio number for the practice line.")
VOICE_PATH, STATUS_PATH = "/voice/incoming", "/voice/status"


@twilio_group.command("configure")
@click.option("--number", required=True, help="The Twilio number in E.164 form, e.g. +15551234567.")
@click.option("--base-url", required=True, help="The app's public https base URL, e.g. https://line.example.org.")
@click.option("--dry-run", is_flag=True, help="Show what would change and change nothing.")
def configure(number: str, base_url: str, dry_run: bool) -> None:
    """Point NUMBER's incoming calls and status callbacks at BASE_URL's /voice/ webhooks."""
    # The REST client takes a tenth of a second to import: only this command loads it.
    from twilio.base.exceptions import TwilioException, TwilioRestException

    from .twilio_api import rest_client

    number, base_url = number.strip(), base_url.strip().rstrip("/")
    if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
        raise click.BadParameter(f"{number!r} is not in E.164 form (a + and the digits, e.g. +15551234567).",
                                 param_hint="--number")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise click.BadParameter(f"{base_url!r} is not a base URL like https://line.example.org.",
                                 param_hint="--base-url")
    if parts.scheme == "http":
        click.echo("Note: Twilio expects https webhooks; signatures are checked against this URL.", err=True)
    wanted = {"voice_url": base_url + VOICE_PATH, "voice_method": "POST",
              "status_callback": base_url + STATUS_PATH, "status_callback_method": "POST"}
    client = rest_client()
    try:
        found = client.incoming_phone_numbers.list(phone_number=number, limit=20)
        match = [n for n in found if n.phone_number == number]
        if not match:
            raise click.ClickException(f"{number} is not a phone number of account {client.account_sid}. "
                                       "Check the number, or the account the credentials belong to.")
        phone = match[0]
        changes = {field: (getattr(phone, field) or "", value) for field, value in wanted.items()
                   if (getattr(phone, field) or "") != value}
        click.echo(f"{number} ({phone.sid}):")
        for field, (old, new) in changes.items():
            click.echo(f"  {field}: {old or '(none)'} -> {new}")
        if not changes:
            click.echo("  already points at this app; nothing to change.")
            return
        if dry_run:
            click.echo("Dry run: nothing was changed.")
            return
        client.incoming_phone_numbers(phone.sid).update(**wanted)
    except TwilioRestException as error:
        raise click.ClickException(_explain(error.status, error.msg)) from error
    except TwilioException as error:
        # A list page that failed carries Twilio's response instead: ("Unable to fetch page", response).
        response = error.args[1] if len(error.args) > 1 else None
        if response is not None and hasattr(response, "status_code"):
            raise click.ClickException(_explain(response.status_code, response.text)) from error
        raise click.ClickException(f"Twilio could not be reached: {error}") from error
    except OSError as error:
        raise click.ClickException(f"Twilio could not be reached: {error}") from error
    click.echo(f"Done: calls to {number} now reach {wanted['voice_url']}.")


def _explain(status: int, detail: str) -> str:
    if status == 401:
        return ("Twilio refused the credentials (401). Check TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, "
                "or TWILIO_API_KEY with TWILIO_API_SECRET.")
    if status == 404:
        return f"Twilio found no such account or number (404): {detail}"
    return f"Twilio answered {status}: {detail}"
