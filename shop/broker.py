"""
kombu's filesystem transport with atomic message writes, for the embedded (serverless) broker.

The stock transport creates a message file and then writes into it, while a consumer may list
and move the file in between and read it empty: the task is lost.  Writing to a hidden temporary
file and renaming it into place makes a message appear whole or not at all.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: consumers match "<anything>.<queue>.msg" after the first dot only.
        temporary = os.path.join(self.data_folder_out, f".{name}.partial")
        try:
            with open(temporary, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
