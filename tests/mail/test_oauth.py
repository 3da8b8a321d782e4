"""OAuth2 end to end [CH1]: the admin signs a mailbox in through the provider's consent
flow (a local provider stub), then mail is polled from Dovecot and replies are submitted
through Dovecot's submission service — both signing in with XOAUTH2, whose tokens Dovecot
checks against the provider (its oauth2 passdb). Refresh tokens are stored encrypted."""

from __future__ import annotations

import urllib.parse
import urllib.request
from datetime import timedelta

from django.utils import timezone

from helpwire.conversations import reply
from helpwire.conversations.tasks import deliver_message
from helpwire.core.actors import Actor
from helpwire.mail import crypto, imap
from helpwire.mail.actions import create_mailbox
from helpwire.mail.models import Mailbox
from helpwire.tickets.models import Ticket
from tests.mail.oauth_servers import CLIENT_ID, CLIENT_SECRET
from tests.mail.test_intake import mail


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _consent(url: str) -> str:
    """The provider's consent page: the user agrees at once; where it sends him back."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(url, timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        return exc.headers["Location"]
    raise AssertionError("the provider did not redirect")


def test_it_signs_a_mailbox_in_with_oauth2_and_works_it_over_xoauth2(
        db, admin, browser_as, oauth_provider, dovecot_oauth, oauth_mail_user, oauth_relay,
        monkeypatch):
    oauth_relay.clear()
    box = create_mailbox(
        actor=Actor.system("test"), address="support@shop.test", name="Поддержка",
        auth="oauth2", oauth_provider="custom", oauth_client_id=CLIENT_ID,
        oauth_client_secret=CLIENT_SECRET,
        oauth_authorize_url=f"{oauth_provider.base_url}/authorize",
        oauth_token_url=f"{oauth_provider.base_url}/token",
        imap_host="127.0.0.1", imap_port=dovecot_oauth.port, imap_security="none",
        imap_user=oauth_mail_user.login, smtp_host="127.0.0.1",
        smtp_port=dovecot_oauth.submission_port, smtp_security="none")
    monkeypatch.setattr(oauth_provider, "next_username", oauth_mail_user.login)
    admin_browser = browser_as(admin)
    started = admin_browser.post(f"/settings/mailboxes/{box.pk}/oauth/")
    assert started.status_code == 302
    assert started["Location"].startswith(oauth_provider.base_url)
    back = urllib.parse.urlsplit(_consent(started["Location"]))
    done = admin_browser.get(back.path, dict(urllib.parse.parse_qsl(back.query)))
    assert done.status_code == 302 and done["Location"].endswith(f"/mailboxes/{box.pk}/")
    box = Mailbox.objects.get(pk=box.pk)
    assert box.auth == "oauth2" and crypto.decrypt(box.oauth_refresh)
    assert crypto.decrypt(box.oauth_refresh) not in box.oauth_refresh  # encrypted at rest

    # A forged or replayed callback is refused.
    assert admin_browser.get(back.path, {"state": "forged", "code": "x"}).status_code == 404

    dovecot_oauth.append(oauth_mail_user.login, mail(msgid="<oauth1@example.ru>"))
    assert imap.poll_and_record(box.pk).taken == 1
    ticket = Ticket.objects.get()
    message = reply(ticket=ticket, actor=Actor.of_agent(admin), text="Ответ через XOAUTH2")
    assert deliver_message.call(message.pk) == "sent"
    sent = oauth_relay.wait_for(1)[0]
    assert sent.rcpt_tos == ["anna@example.ru"] and "XOAUTH2" in sent.message.get_body(
        ("plain",)).get_content()

    # The access token expires: the next poll refreshes it and signs in again.
    refreshes = oauth_provider.refresh_requests
    oauth_provider.expire_access_tokens()
    Mailbox.objects.filter(pk=box.pk).update(oauth_expires_at=timezone.now() - timedelta(1))
    dovecot_oauth.append(oauth_mail_user.login, mail(msgid="<oauth2@example.ru>",
                                                     frm="boris@example.ru"))
    result = imap.poll_and_record(box.pk)
    assert result.error == "" and result.taken == 1
    assert oauth_provider.refresh_requests == refreshes + 1


def test_it_reports_a_refused_token_as_the_mailbox_error(db, oauth_provider, dovecot_oauth,
                                                          oauth_mail_user):
    box = create_mailbox(
        actor=Actor.system("test"), address="other@shop.test", auth="oauth2",
        oauth_provider="custom", oauth_client_id=CLIENT_ID, oauth_client_secret="wrong",
        oauth_token_url=f"{oauth_provider.base_url}/token", imap_host="127.0.0.1",
        imap_port=dovecot_oauth.port, imap_security="none", imap_user=oauth_mail_user.login)
    Mailbox.objects.filter(pk=box.pk).update(oauth_refresh=crypto.encrypt(
        oauth_mail_user.refresh_token))
    result = imap.poll_and_record(box.pk)
    assert "invalid_client" in result.error
    assert "invalid_client" in Mailbox.objects.get(pk=box.pk).last_error
