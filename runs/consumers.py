"""WebSocket consumers: the runs explorer feed and one run's feed (docs/architecture.md, "Live updates")."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from runs.live import RUNS_GROUP, run_group
from runs.models import HASH_RE, Run

_CLOSE_UNAUTHENTICATED = 4401
_CLOSE_NOT_FOUND = 4404


class _SignedInConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=_CLOSE_UNAUTHENTICATED)
            return
        await self.join_groups()

    async def join_groups(self) -> None:
        raise NotImplementedError

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # Clients only send control messages; a ping is answered so they can
        # tell a live socket from a dead one.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    # One handler per event type; handlers only forward.
    async def run_created(self, event: dict) -> None:
        await self.send_json(event)

    async def run_updated(self, event: dict) -> None:
        await self.send_json(event)

    async def run_logs(self, event: dict) -> None:
        await self.send_json(event)

    async def run_tags(self, event: dict) -> None:
        await self.send_json(event)

    async def runs_deleted(self, event: dict) -> None:
        await self.send_json(event)

    async def runs_archived(self, event: dict) -> None:
        await self.send_json(event)

    async def runs_unarchived(self, event: dict) -> None:
        await self.send_json(event)


class RunsConsumer(_SignedInConsumer):
    """`ws/runs/`: created / updated / archived / deleted events for every run."""

    async def join_groups(self) -> None:
        await self._join(RUNS_GROUP)
        await self.accept()


class RunConsumer(_SignedInConsumer):
    """`ws/runs/<hash>/`: one run's log lines, metric summaries and status."""

    async def join_groups(self) -> None:
        run_hash = self.scope["url_route"]["kwargs"]["hash"]
        if not await self._run_exists(run_hash):
            await self.close(code=_CLOSE_NOT_FOUND)
            return
        await self._join(run_group(run_hash))
        await self.accept()

    @database_sync_to_async
    def _run_exists(self, run_hash: str) -> bool:
        # The path is any text (a NUL that PostgreSQL refuses, a group name the
        # channel layer refuses): only a well-formed hash reaches the database.
        return (
            bool(HASH_RE.match(run_hash)) and Run.objects.filter(hash=run_hash).exists()
        )
