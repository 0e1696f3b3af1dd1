"""A small world with two cities, for the permission matrix: every role, and objects of each scope."""

from dataclasses import dataclass

from greencode.services import codes, consent, institutions, scoring
from registry.enums import UnitKind
from reviews.enums import Outcome, RemoveReason
from reviews.models import AdjustmentProposal, IncidentReport
from reviews.services import review as review_services
from tests import factories
from tests.reviews import review_helpers as rh


@dataclass
class World:
    campaign: object
    units: dict
    users: dict
    filings: dict
    proposals: dict
    assessment: object
    run: object = None
    code: object = None
    token: str = ""
    key: object = None
    consent: object = None
    list_import: object = None


def build() -> World:
    campaign = rh.open_campaign()
    gz = factories.UnitFactory(city=factories.city("广州市"), name="矩阵广州工厂", district=factories.district("天河区"))
    gz_park = factories.UnitFactory(city=factories.city("广州市"), name="矩阵广州园区", kind=UnitKind.PARK, industry=None,
                                    district=factories.district("黄埔区"))
    sz = factories.UnitFactory(city=factories.city("深圳市"), name="矩阵深圳工厂", district=factories.district("南山区"))
    users = {
        "anonymous": None,
        "province": factories.province_user("m_province"),
        "gz_reviewer": factories.city_user("广州市", "m_gz"),
        "sz_reviewer": factories.city_user("深圳市", "m_sz"),
        # A district reviewer of 天河区: the Guangzhou factory's district, not the park's.
        "gz_district": factories.district_user("天河区", "m_gz_tianhe"),
        "gz_enterprise": factories.enterprise_user(gz, "m_gz_ent"),
        "sz_enterprise": factories.enterprise_user(sz, "m_sz_ent"),
    }
    filings = {
        "gz": rh.submitted_filing(campaign, gz, users["gz_enterprise"]),
        "sz": rh.submitted_filing(campaign, sz, users["sz_enterprise"]),
    }
    assessment = review_services.save_assessment(
        filings["gz"], {"planned_date": campaign.filing_due, "team": "评估组"}, actor=users["gz_reviewer"])
    proposals = {
        "gz": AdjustmentProposal.objects.create(campaign=campaign, unit=gz_park, outcome=Outcome.REMOVE,
                                                remove_reason=RemoveReason.OTHER, reason="矩阵"),
        "sz": AdjustmentProposal.objects.create(campaign=campaign, unit=sz, outcome=Outcome.REMOVE,
                                                remove_reason=RemoveReason.OTHER, reason="矩阵"),
    }
    IncidentReport.objects.create(unit=sz, campaign=campaign, kind="safety", occurred_on=campaign.filing_due,
                                  description="矩阵深圳事故", reported_by=users["sz_reviewer"])
    world = World(campaign, {"gz": gz, "gz_park": gz_park, "sz": sz}, users, filings, proposals, assessment)
    from registry.models import ListImport

    world.list_import = ListImport.objects.create(list_name="2024年度", kind=UnitKind.FACTORY, filename="矩阵.xlsx",
                                                  rows=[{"row": 3, "region": "广东", "name": "矩阵新工厂有限公司"}])
    # Accepted and scored: the Guangzhou factory holds a green code.
    review_services.record_checks(filings["gz"], rh.all_compliant(filings["gz"]), actor=users["gz_reviewer"])
    review_services.accept_filing(filings["gz"], actor=users["gz_reviewer"])
    world.run = scoring.run_cohort(campaign.year, "national").run
    world.code = codes.apply_for_code(users["gz_enterprise"], gz, campaign.year)
    world.token = codes.sign(world.code)
    # A bank with a key, to which the Guangzhou factory shows its scorecard.
    bank = institutions.register_institution(users["province"], name="矩阵银行", kind="bank")
    world.key, _raw = institutions.issue_key(users["province"], bank)
    world.consent, _token = consent.grant(users["gz_enterprise"], gz, institution=bank, days=30)
    return world
