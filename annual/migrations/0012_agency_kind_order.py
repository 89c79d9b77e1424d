"""Agency kind (条例第五十条: 部门/乡镇 due 1-31, 本级人民政府 due 3-31), an explicit order and the
date an agency was set up.

Existing databases inferred the government from "has sub-units"; a department given a sub-unit
then got the government's deadline. The kind is explicit from now on. Once, here, a top-level
agency with sub-units (the county itself) becomes a government so its deadline does not move;
every other agency is a department, which an administrator can change in the admin.
"""

from django.db import migrations, models


def counties_are_governments(apps, schema_editor):
    Agency = apps.get_model("annual", "Agency")
    parents = set(Agency.objects.exclude(parent=None).values_list("parent_id", flat=True))
    Agency.objects.filter(parent=None, pk__in=parents).update(kind="government")


class Migration(migrations.Migration):
    dependencies = [
        ("annual", "0011_job_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="established_on",
            field=models.DateField(
                blank=True,
                help_text="新设机关填写：设立之前年度的工作台把本机关显示为“当年未设立”，不计逾期。未填表示早已存在。",
                null=True,
                verbose_name="设立日期",
            ),
        ),
        migrations.AddField(
            model_name="agency",
            name="kind",
            field=models.CharField(
                choices=[("department", "部门/乡镇"), ("government", "人民政府（本级政府）")],
                default="department",
                help_text="决定本机关年度报告的法定截止日期：部门和乡镇为次年 1 月 31 日，本级人民政府为次年 3 月 31 日。与是否有下级机关无关。",
                max_length=16,
                verbose_name="机关类别",
            ),
        ),
        migrations.AddField(
            model_name="agency",
            name="order",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="工作台和汇总中同级机关按排序号从小到大排列；未填或相同的按名称拼音排列（部门在前，乡镇、街道在后）。",
                null=True,
                verbose_name="排序号",
            ),
        ),
        migrations.AddField(
            model_name="historicalagency",
            name="established_on",
            field=models.DateField(
                blank=True,
                help_text="新设机关填写：设立之前年度的工作台把本机关显示为“当年未设立”，不计逾期。未填表示早已存在。",
                null=True,
                verbose_name="设立日期",
            ),
        ),
        migrations.AddField(
            model_name="historicalagency",
            name="kind",
            field=models.CharField(
                choices=[("department", "部门/乡镇"), ("government", "人民政府（本级政府）")],
                default="department",
                help_text="决定本机关年度报告的法定截止日期：部门和乡镇为次年 1 月 31 日，本级人民政府为次年 3 月 31 日。与是否有下级机关无关。",
                max_length=16,
                verbose_name="机关类别",
            ),
        ),
        migrations.AddField(
            model_name="historicalagency",
            name="order",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="工作台和汇总中同级机关按排序号从小到大排列；未填或相同的按名称拼音排列（部门在前，乡镇、街道在后）。",
                null=True,
                verbose_name="排序号",
            ),
        ),
        migrations.RunPython(counties_are_governments, migrations.RunPython.noop),
    ]
