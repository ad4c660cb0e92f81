"""Call announcements as audio for the hall screens (语音叫号).

Screens play the chime, then the call's text (already rendered by the server
from the hall's template) spoken in Mandarin. Without espeak-ng on the server
the audio call answers 503, and a screen uses its own voice or shows the text.
"""
from __future__ import annotations

from aiohttp import web

from display.voice import BadAnnouncement, VoiceUnavailable, chime_wav
from server.api.endpoint import Api, Call, Query
from server.auth import Access
from server.errors import HallqError, Unprocessable

api = Api("announcements")

_CACHE = {"Cache-Control": "private, max-age=86400"}


class NoVoice(HallqError):
    status = 503
    code = "voice_unavailable"


@api.get("/api/v1/announcements/audio", access=Access.ANY, media_type="audio/wav",
         query={"text": Query("the announcement, at most 60 characters, e.g. 请 A023 号 到 15 号窗口 办理",
                              required=True)},
         errors={503: "espeak-ng is not installed on the server: the screen speaks or shows the text itself"},
         summary="The announcement ?text= (at most 60 characters) spoken in Mandarin, as WAV")
async def audio(call: Call) -> web.Response:
    try:
        wav = await call.services.voice.wav(call.query("text"))
    except BadAnnouncement as exc:
        raise Unprocessable(f"text: {exc}") from None
    except VoiceUnavailable as exc:
        raise NoVoice(f"语音合成不可用 (speech synthesis unavailable: {exc})") from None
    return web.Response(body=wav, content_type="audio/wav", headers=_CACHE)


@api.get("/api/v1/announcements/chime.wav", access=Access.PUBLIC, media_type="audio/wav",
         summary="The two-tone chime played before each call")
async def chime(_call: Call) -> web.Response:
    return web.Response(body=chime_wav(), content_type="audio/wav", headers=_CACHE)
