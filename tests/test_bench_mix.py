"""The benchmarks' webhook mix is the production path: shaped like calls, and signed as Twilio signs."""

from collections import Counter

from scripts.bench.twilio_mix import AUTH_TOKEN, KINDS, call_shaped, desk_webhooks, headers, menu_webhooks

BASE = "http://localhost"


def test_the_mix_is_shaped_like_calls_and_every_request_is_accepted_with_a_token_set(make_app):
    app = make_app(TWILIO_AUTH_TOKEN=AUTH_TOKEN)
    mix = call_shaped(menu_webhooks(app.extensions["practice_line"].line), desk_webhooks(app, BASE))
    kinds = Counter(webhook.kind for webhook in mix)
    assert set(kinds) == set(KINDS)
    assert 0.4 <= kinds["desk turn"] / len(mix) <= 0.5  # about half of it, as in a rehearsal
    client = app.test_client()
    for i, webhook in enumerate(mix):
        form = webhook.form(i)
        reply = client.post(webhook.path, data=form, headers=headers(BASE, webhook.path, form))
        assert reply.status_code == 200, webhook  # an unverified request is answered 403
    form = mix[0].form(0)
    signed_elsewhere = headers("https://elsewhere.example", mix[0].path, form)
    assert client.post(mix[0].path, data=form, headers=signed_elsewhere).status_code == 403
