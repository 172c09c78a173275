from django.db import migrations, models


def backfill_overviews(apps, schema_editor):
    """Build the overview and first time of every existing series from its chunks."""
    import numpy as np

    from runs import overview as overviews
    from runs.metrics import Points, decode_chunk

    MetricSeries = apps.get_model("runs", "MetricSeries")
    MetricChunk = apps.get_model("runs", "MetricChunk")
    for series in MetricSeries.objects.only("pk").iterator():
        blobs = (
            MetricChunk.objects.filter(series_id=series.pk)
            .order_by("index")
            .values_list("data", flat=True)
        )
        overview = overviews.Overview.empty()
        first_times = []
        for blob in blobs:
            points = decode_chunk(blob)
            overview = overviews.append(overview, points)
            if len(points) and not np.all(np.isnan(points.times)):
                first_times.append(float(np.nanmin(points.times)))
        MetricSeries.objects.filter(pk=series.pk).update(
            overview=overviews.encode(overview),
            first_time=min(first_times) if first_times else None,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("runs", "0002_metric_first"),
    ]

    operations = [
        migrations.AddField(
            model_name="metricseries",
            name="first_time",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="metricseries",
            name="overview",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill_overviews, migrations.RunPython.noop),
    ]
