"""Remote images in a client's HTML wait until the agent asks: a tracking pixel must not tell
the sender who read the message, when, and from where [#9 item 8]."""

from __future__ import annotations

import re

from helpwire.conversations.sanitize import hold_remote_images

PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def test_it_holds_back_every_remote_image_and_keeps_embedded_ones():
    html, held = hold_remote_images(
        f'<p>Hi</p><img src="https://tracker.example/p.gif?id=7" alt="x">'
        f'<img src="//cdn.example/logo.png"><img src="HTTP://A.EXAMPLE/b.png">'
        f'<img src="{PIXEL}"><img src="cid:part1">')
    assert held == 3
    assert not re.search(r'\ssrc="(https?:)?//', html, re.I)
    assert 'data-remote-src="https://tracker.example/p.gif?id=7"' in html
    assert f'src="{PIXEL}"' in html and 'src="cid:part1"' in html


def test_it_shows_the_message_with_a_show_images_button(browser_as, agent, inbound, support):
    t = inbound(html='<p>Смотрите</p><img src="https://tracker.example/p.gif">', text="",
                thread="img", ticket_defaults={"group_id": support.pk}).ticket
    page = browser_as(agent).get(f"/tickets/{t.pk}/").content.decode()
    assert not re.search(r'\ssrc="https://tracker', page)
    assert 'data-remote-src="https://tracker.example/p.gif"' in page
    assert "data-show-images" in page
