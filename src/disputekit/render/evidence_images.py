"""Evidence images for ``aliexpress.issue.image.upload``: the tracking timeline, the shipping
record and a one-page case summary, drawn from :class:`evidence.CaseFacts`.

The platform takes images only (reference §7.4), so the facts that decide a case must be
readable in a picture: each image is 1100 px wide, every text at least 14 px high (11 pt at
100 dpi), wrapped to fit, with the deciding fact highlighted (signed for by X, held at
customs, returned, no update for N days). Labels are in English or the buyer's language
(``LABELS``: en, ru, es, pt_BR, fr, pl); carriers' event texts stay as the carrier wrote them.
Dates are UTC.

Everything drawn is also written into the PNG's text metadata ("Description"; a ``tEXt``
chunk, or ``iTXt`` when the text is not Latin-1, e.g. Russian), so tests and tools can read
what an image shows without OCR: :func:`png_text`.

Figures use matplotlib's object API on an Agg canvas, as :mod:`disputekit.render.charts` does:
pyplot is never imported and the process-wide backend is left alone.
"""

from __future__ import annotations

import struct
import threading
import warnings
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from typing import Any, Final

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from disputekit.domain.evidence import (
    CaseFacts,
    DecidingFact,
    EvidenceKind,
    Message,
    deciding_fact,
)
from disputekit.domain.privacy import mask_login
from disputekit.domain.taxonomy import DisputeClass
from disputekit.domain.tracking import TrackEvent
from disputekit.errors import EvidenceError

__all__ = ["DPI", "LABELS", "MIN_TEXT_PX", "WIDTH_PX", "RenderedImage", "fact_text", "label",
           "png_size", "png_text", "render_all", "render_case_summary",
           "render_shipping_record", "render_tracking_timeline"]

WIDTH_PX: Final = 1100
DPI: Final = 100
MIN_TEXT_PX: Final = 14.0  # the smallest text an image may carry, in pixels
MAX_EVENTS: Final = 28  # more events than this: the oldest middle ones are summarised
MAX_MESSAGES: Final = 8  # the latest steps of the dispute's history on the case summary
MESSAGE_CHARS: Final = 280

_MARGIN = 40.0
_SMALL = 10.5  # pt: 14.6 px at 100 dpi
_BODY = 11.0  # pt: 15.3 px
_HEAD = 13.0
_FACT = 14.0
_TITLE = 17.0
_LEADING = 1.35
_INK = "#1a1a1a"
_MUTED = "#555555"
_BAND = "#0b3d91"  # title band
_FACT_FILL = "#fff1c2"  # the deciding fact
_FACT_EDGE = "#d08c00"
_ALERT_FILL = "#fde2e1"  # a never-shipped tracking number
_ZEBRA = "#f3f5f8"
_DOT = "#0b3d91"
_DOT_KEY = "#d55e00"

# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------

_EN: Final[dict[str, str]] = {
    "title_timeline": "Tracking timeline",
    "title_shipping": "Shipping record",
    "title_summary": "Case summary",
    "tracking_no": "Tracking number",
    "carrier": "Carrier",
    "service": "Service",
    "shipped": "Shipped",
    "destination": "Destination",
    "events_header": "Events (UTC, newest first)",
    "col_date": "Date (UTC)",
    "col_place": "Place",
    "col_event": "Event",
    "order": "Order",
    "dispute": "Dispute",
    "product": "Product",
    "price": "Price",
    "weight": "Weight",
    "postage": "Postage deducted",
    "not_provided": "not provided by the API",
    "freight_paid": "Shipping paid by the buyer",
    "order_total": "Order total",
    "numbers_on_order": "Tracking numbers on this order",
    "scanned": "{n} carrier scans, last on {date}",
    "never_scanned": "never scanned by the carrier: declared on the order, not shipped",
    "only_shipped": "Only {shipped} has carrier scans; {others} was declared on the order but "
                    "never scanned.",
    "also_on_order": "Also on this order: {number}, never scanned by the carrier",
    "buyer": "Buyer",
    "country": "Country",
    "refund_max": "Refund asked (maximum)",
    "opened": "Dispute opened",
    "reason": "Reason given",
    "case": "Situation",
    "status": "Status",
    "history": "Dispute history (latest first)",
    "attachments": "attachments: {n}",
    "video": "video",
    "footer": "Data as read from the AliExpress API; times in UTC. As of {date}.",
    "earlier_hidden": "… {n} more events not shown …",
    "kind_registered": "registered (tracked)",
    "kind_unregistered": "unregistered (no tracking)",
    "kind_platform": "AliExpress platform logistics",
    "member_buyer": "Buyer",
    "member_seller": "Seller",
    "member_platform": "Platform",
    "member_system": "System",
    "member_waiter": "Customer service",
    "fact_signed": "Delivered on {date} in {place}, signed for by: {name}",
    "fact_delivered": "Delivered on {date} in {place} (the carrier names no signatory)",
    "fact_at_pickup_point": "Left at a pickup point on {date} in {place}, waiting for the "
                            "buyer to collect it",
    "fact_customs_buyer": "Held at customs since {date} in {place}, waiting for the "
                          "recipient: {detail}",
    "fact_customs_hold": "Held at customs since {date} in {place}: {detail}",
    "fact_returned_before_export": "Returned to the sender before leaving the origin country "
                                   "({date}, {place}) after: {detail}",
    "fact_returned_in_destination": "Reached the destination country, then returned before "
                                    "delivery ({date}) after: {detail}",
    "fact_returned_after_failed_delivery": "Not collected or delivery failed at the "
                                           "destination; returned to the sender ({date}) "
                                           "after: {detail}",
    "fact_lost": "Reported lost by the carrier on {date}: {detail}",
    "fact_presumed_lost": "No tracking update for {days} days: last seen in {place} on "
                          "{date}; presumed lost",
    "fact_silent": "No tracking update for {days} days: last seen in {place} on {date}",
    "fact_no_scan": "No carrier scan since it was posted on {date} in {place}",
    "fact_no_tracking": "No tracking information for this parcel",
    "fact_moving": "In transit: last update on {date} in {place}",
    "class_no_tracking": "Not received: unregistered post, no tracking",
    "class_delivered_disputed": "Not received, but the tracking shows it delivered",
    "class_stalled_in_transit": "Not received: in transit, tracking not updated",
    "class_customs_buyer_no_docs": "Not received: held at customs, waiting for the buyer's "
                                   "documents or duty",
    "class_customs_buyer_unreachable": "Not received: held at customs, the buyer cannot be "
                                       "reached",
    "class_returned_undelivered": "Returned: not collected at the destination",
    "class_returned_in_country": "Returned from the destination country before delivery",
    "class_returned_before_export": "Returned before leaving the origin country",
    "class_lost": "Lost by the carrier",
    "class_genuine_defect": "Product fault shown by the buyer",
    "class_buyer_misuse": "Product problem: a question of use",
    "class_deliberate_abuse": "Product claim contradicted by the evidence",
    "class_extortion": "The buyer offers to cancel in exchange for money",
}

_RU: Final[dict[str, str]] = {
    "title_timeline": "История отслеживания",
    "title_shipping": "Данные об отправке",
    "title_summary": "Сводка по спору",
    "tracking_no": "Трек-номер",
    "carrier": "Перевозчик",
    "service": "Служба доставки",
    "shipped": "Отправлено",
    "destination": "Пункт назначения",
    "events_header": "События (UTC, сначала новые)",
    "col_date": "Дата (UTC)",
    "col_place": "Место",
    "col_event": "Событие",
    "order": "Заказ",
    "dispute": "Спор",
    "product": "Товар",
    "price": "Цена",
    "weight": "Вес",
    "postage": "Списано за доставку",
    "not_provided": "не предоставляется API",
    "freight_paid": "Доставка, оплаченная покупателем",
    "order_total": "Сумма заказа",
    "numbers_on_order": "Трек-номера в заказе",
    "scanned": "сканирований перевозчика: {n}, последнее {date}",
    "never_scanned": "ни разу не сканировался перевозчиком: указан в заказе, но не отправлялся",
    "only_shipped": "Сканирования перевозчика есть только у {shipped}; {others} указан в "
                    "заказе, но ни разу не сканировался.",
    "also_on_order": "Также в заказе: {number}, ни разу не сканировался перевозчиком",
    "buyer": "Покупатель",
    "country": "Страна",
    "refund_max": "Запрошенный возврат (максимум)",
    "opened": "Спор открыт",
    "reason": "Указанная причина",
    "case": "Ситуация",
    "status": "Статус",
    "history": "История спора (сначала новые)",
    "attachments": "вложений: {n}",
    "video": "видео",
    "footer": "Данные получены через API AliExpress; время в UTC. По состоянию на {date}.",
    "earlier_hidden": "… ещё событий: {n} (не показаны) …",
    "kind_registered": "регистрируемая (с отслеживанием)",
    "kind_unregistered": "нерегистрируемая (без отслеживания)",
    "kind_platform": "логистика платформы AliExpress",
    "member_buyer": "Покупатель",
    "member_seller": "Продавец",
    "member_platform": "Платформа",
    "member_system": "Система",
    "member_waiter": "Служба поддержки",
    "fact_signed": "Доставлено {date}, {place}; получил: {name}",
    "fact_delivered": "Доставлено {date}, {place} (перевозчик не указал получателя)",
    "fact_at_pickup_point": "Оставлено в пункте выдачи {date}, {place}; ожидает получения "
                            "покупателем",
    "fact_customs_buyer": "Задержано на таможне с {date}, {place}; таможня ждёт получателя: "
                          "{detail}",
    "fact_customs_hold": "Задержано на таможне с {date}, {place}: {detail}",
    "fact_returned_before_export": "Возвращено отправителю, не покинув страну отправления "
                                   "({date}, {place}), после: {detail}",
    "fact_returned_in_destination": "Прибыло в страну назначения и возвращено до доставки "
                                    "({date}), после: {detail}",
    "fact_returned_after_failed_delivery": "Не получено или доставка не удалась; возвращено "
                                           "отправителю ({date}), после: {detail}",
    "fact_lost": "Перевозчик сообщил об утере {date}: {detail}",
    "fact_presumed_lost": "Нет обновлений отслеживания {days} дн.: последний раз {place}, "
                          "{date}; вероятно, утеряно",
    "fact_silent": "Нет обновлений отслеживания {days} дн.: последний раз {place}, {date}",
    "fact_no_scan": "Нет сканирований перевозчика с момента отправки {date}, {place}",
    "fact_no_tracking": "Нет информации об отслеживании этой посылки",
    "fact_moving": "В пути: последнее обновление {date}, {place}",
    "class_no_tracking": "Не получено: незарегистрированное отправление без отслеживания",
    "class_delivered_disputed": "Не получено, но по отслеживанию доставлено",
    "class_stalled_in_transit": "Не получено: в пути, отслеживание не обновляется",
    "class_customs_buyer_no_docs": "Не получено: задержано на таможне, ожидаются документы или "
                                   "оплата пошлины от покупателя",
    "class_customs_buyer_unreachable": "Не получено: задержано на таможне, с покупателем не "
                                       "удаётся связаться",
    "class_returned_undelivered": "Возвращено: не получено в пункте назначения",
    "class_returned_in_country": "Возвращено из страны назначения до доставки",
    "class_returned_before_export": "Возвращено до вывоза из страны отправления",
    "class_lost": "Утеряно перевозчиком",
    "class_genuine_defect": "Дефект товара, показанный покупателем",
    "class_buyer_misuse": "Проблема с товаром: вопрос об использовании",
    "class_deliberate_abuse": "Претензия к товару опровергается доказательствами",
    "class_extortion": "Покупатель предлагает закрыть спор за деньги",
}

_ES: Final[dict[str, str]] = {
    "title_timeline": "Historial de seguimiento",
    "title_shipping": "Registro de envío",
    "title_summary": "Resumen del caso",
    "tracking_no": "Número de seguimiento",
    "carrier": "Transportista",
    "service": "Servicio",
    "shipped": "Enviado",
    "destination": "Destino",
    "events_header": "Eventos (UTC, los más recientes primero)",
    "col_date": "Fecha (UTC)",
    "col_place": "Lugar",
    "col_event": "Evento",
    "order": "Pedido",
    "dispute": "Disputa",
    "product": "Producto",
    "price": "Precio",
    "weight": "Peso",
    "postage": "Franqueo descontado",
    "not_provided": "no proporcionado por la API",
    "freight_paid": "Envío pagado por el comprador",
    "order_total": "Total del pedido",
    "numbers_on_order": "Números de seguimiento del pedido",
    "scanned": "escaneos del transportista: {n}, último el {date}",
    "never_scanned": "nunca escaneado por el transportista: declarado en el pedido, no enviado",
    "only_shipped": "Solo {shipped} tiene escaneos del transportista; {others} se declaró en el "
                    "pedido pero nunca se escaneó.",
    "also_on_order": "También en este pedido: {number}, nunca escaneado por el transportista",
    "buyer": "Comprador",
    "country": "País",
    "refund_max": "Reembolso solicitado (máximo)",
    "opened": "Disputa abierta",
    "reason": "Motivo indicado",
    "case": "Situación",
    "status": "Estado",
    "history": "Historial de la disputa (lo más reciente primero)",
    "attachments": "adjuntos: {n}",
    "video": "vídeo",
    "footer": "Datos leídos de la API de AliExpress; horas en UTC. Situación al {date}.",
    "earlier_hidden": "… {n} eventos más no mostrados …",
    "kind_registered": "certificado (con seguimiento)",
    "kind_unregistered": "no certificado (sin seguimiento)",
    "kind_platform": "logística de la plataforma AliExpress",
    "member_buyer": "Comprador",
    "member_seller": "Vendedor",
    "member_platform": "Plataforma",
    "member_system": "Sistema",
    "member_waiter": "Atención al cliente",
    "fact_signed": "Entregado el {date} en {place}, firmado por: {name}",
    "fact_delivered": "Entregado el {date} en {place} (el transportista no indica quién firmó)",
    "fact_at_pickup_point": "Dejado en un punto de recogida el {date} en {place}, a la espera "
                            "de que el comprador lo recoja",
    "fact_customs_buyer": "Retenido en aduana desde el {date} en {place}, a la espera del "
                          "destinatario: {detail}",
    "fact_customs_hold": "Retenido en aduana desde el {date} en {place}: {detail}",
    "fact_returned_before_export": "Devuelto al remitente antes de salir del país de origen "
                                   "({date}, {place}) tras: {detail}",
    "fact_returned_in_destination": "Llegó al país de destino y fue devuelto antes de la "
                                    "entrega ({date}) tras: {detail}",
    "fact_returned_after_failed_delivery": "No recogido o entrega fallida en destino; devuelto "
                                           "al remitente ({date}) tras: {detail}",
    "fact_lost": "Declarado perdido por el transportista el {date}: {detail}",
    "fact_presumed_lost": "Sin actualización de seguimiento desde hace {days} días: visto por "
                          "última vez en {place} el {date}; se presume perdido",
    "fact_silent": "Sin actualización de seguimiento desde hace {days} días: visto por última "
                   "vez en {place} el {date}",
    "fact_no_scan": "Ningún escaneo del transportista desde el envío el {date} en {place}",
    "fact_no_tracking": "No hay información de seguimiento para este paquete",
    "fact_moving": "En tránsito: última actualización el {date} en {place}",
    "class_no_tracking": "No recibido: envío no certificado, sin seguimiento",
    "class_delivered_disputed": "No recibido, pero el seguimiento indica entregado",
    "class_stalled_in_transit": "No recibido: en tránsito, seguimiento sin actualizar",
    "class_customs_buyer_no_docs": "No recibido: retenido en aduana, a la espera de documentos "
                                   "o impuestos del comprador",
    "class_customs_buyer_unreachable": "No recibido: retenido en aduana, no se puede contactar "
                                       "al comprador",
    "class_returned_undelivered": "Devuelto: no recogido en destino",
    "class_returned_in_country": "Devuelto desde el país de destino antes de la entrega",
    "class_returned_before_export": "Devuelto antes de salir del país de origen",
    "class_lost": "Perdido por el transportista",
    "class_genuine_defect": "Defecto del producto mostrado por el comprador",
    "class_buyer_misuse": "Problema con el producto: duda de uso",
    "class_deliberate_abuse": "Reclamación sobre el producto contradicha por las pruebas",
    "class_extortion": "El comprador ofrece cancelar a cambio de dinero",
}

_PT_BR: Final[dict[str, str]] = {
    "title_timeline": "Histórico de rastreamento",
    "title_shipping": "Registro de envio",
    "title_summary": "Resumo do caso",
    "tracking_no": "Código de rastreamento",
    "carrier": "Transportadora",
    "service": "Serviço",
    "shipped": "Enviado",
    "destination": "Destino",
    "events_header": "Eventos (UTC, mais recentes primeiro)",
    "col_date": "Data (UTC)",
    "col_place": "Local",
    "col_event": "Evento",
    "order": "Pedido",
    "dispute": "Disputa",
    "product": "Produto",
    "price": "Preço",
    "weight": "Peso",
    "postage": "Frete descontado",
    "not_provided": "não fornecido pela API",
    "freight_paid": "Frete pago pelo comprador",
    "order_total": "Total do pedido",
    "numbers_on_order": "Códigos de rastreamento do pedido",
    "scanned": "leituras da transportadora: {n}, última em {date}",
    "never_scanned": "nunca lido pela transportadora: declarado no pedido, não enviado",
    "only_shipped": "Só {shipped} tem leituras da transportadora; {others} foi declarado no "
                    "pedido mas nunca lido.",
    "also_on_order": "Também neste pedido: {number}, nunca lido pela transportadora",
    "buyer": "Comprador",
    "country": "País",
    "refund_max": "Reembolso pedido (máximo)",
    "opened": "Disputa aberta",
    "reason": "Motivo informado",
    "case": "Situação",
    "status": "Status",
    "history": "Histórico da disputa (mais recente primeiro)",
    "attachments": "anexos: {n}",
    "video": "vídeo",
    "footer": "Dados lidos da API do AliExpress; horários em UTC. Situação em {date}.",
    "earlier_hidden": "… mais {n} eventos não mostrados …",
    "kind_registered": "registrado (com rastreamento)",
    "kind_unregistered": "não registrado (sem rastreamento)",
    "kind_platform": "logística da plataforma AliExpress",
    "member_buyer": "Comprador",
    "member_seller": "Vendedor",
    "member_platform": "Plataforma",
    "member_system": "Sistema",
    "member_waiter": "Atendimento",
    "fact_signed": "Entregue em {date} ({place}), recebido por: {name}",
    "fact_delivered": "Entregue em {date} ({place}) (a transportadora não informa quem recebeu)",
    "fact_at_pickup_point": "Deixado em um ponto de retirada em {date} ({place}), aguardando "
                            "a retirada pelo comprador",
    "fact_customs_buyer": "Retido na alfândega desde {date} ({place}), aguardando o "
                          "destinatário: {detail}",
    "fact_customs_hold": "Retido na alfândega desde {date} ({place}): {detail}",
    "fact_returned_before_export": "Devolvido ao remetente antes de sair do país de origem "
                                   "({date}, {place}) após: {detail}",
    "fact_returned_in_destination": "Chegou ao país de destino e foi devolvido antes da "
                                    "entrega ({date}) após: {detail}",
    "fact_returned_after_failed_delivery": "Não retirado ou entrega sem sucesso no destino; "
                                           "devolvido ao remetente ({date}) após: {detail}",
    "fact_lost": "Declarado extraviado pela transportadora em {date}: {detail}",
    "fact_presumed_lost": "Sem atualização de rastreamento há {days} dias: visto pela última "
                          "vez em {place} em {date}; presumido extraviado",
    "fact_silent": "Sem atualização de rastreamento há {days} dias: visto pela última vez em "
                   "{place} em {date}",
    "fact_no_scan": "Nenhuma leitura da transportadora desde a postagem em {date} ({place})",
    "fact_no_tracking": "Sem informações de rastreamento para este pacote",
    "fact_moving": "Em trânsito: última atualização em {date} ({place})",
    "class_no_tracking": "Não recebido: envio não registrado, sem rastreamento",
    "class_delivered_disputed": "Não recebido, mas o rastreamento mostra entregue",
    "class_stalled_in_transit": "Não recebido: em trânsito, rastreamento sem atualização",
    "class_customs_buyer_no_docs": "Não recebido: retido na alfândega, aguardando documentos "
                                   "ou impostos do comprador",
    "class_customs_buyer_unreachable": "Não recebido: retido na alfândega, o comprador não "
                                       "pode ser contatado",
    "class_returned_undelivered": "Devolvido: não retirado no destino",
    "class_returned_in_country": "Devolvido do país de destino antes da entrega",
    "class_returned_before_export": "Devolvido antes de sair do país de origem",
    "class_lost": "Extraviado pela transportadora",
    "class_genuine_defect": "Defeito do produto mostrado pelo comprador",
    "class_buyer_misuse": "Problema com o produto: dúvida de uso",
    "class_deliberate_abuse": "Reclamação sobre o produto contrariada pelas provas",
    "class_extortion": "O comprador oferece cancelar em troca de dinheiro",
}

_FR: Final[dict[str, str]] = {
    "title_timeline": "Historique de suivi",
    "title_shipping": "Fiche d'expédition",
    "title_summary": "Résumé du litige",
    "tracking_no": "Numéro de suivi",
    "carrier": "Transporteur",
    "service": "Service",
    "shipped": "Expédié le",
    "destination": "Destination",
    "events_header": "Événements (UTC, les plus récents d'abord)",
    "col_date": "Date (UTC)",
    "col_place": "Lieu",
    "col_event": "Événement",
    "order": "Commande",
    "dispute": "Litige",
    "product": "Produit",
    "price": "Prix",
    "weight": "Poids",
    "postage": "Affranchissement prélevé",
    "not_provided": "non fourni par l'API",
    "freight_paid": "Livraison payée par l'acheteur",
    "order_total": "Total de la commande",
    "numbers_on_order": "Numéros de suivi de la commande",
    "scanned": "scans du transporteur : {n}, dernier le {date}",
    "never_scanned": "jamais scanné par le transporteur : déclaré sur la commande, non expédié",
    "only_shipped": "Seul {shipped} a des scans du transporteur ; {others} a été déclaré sur la "
                    "commande mais jamais scanné.",
    "also_on_order": "Aussi sur cette commande : {number}, jamais scanné par le transporteur",
    "buyer": "Acheteur",
    "country": "Pays",
    "refund_max": "Remboursement demandé (maximum)",
    "opened": "Litige ouvert le",
    "reason": "Motif indiqué",
    "case": "Situation",
    "status": "Statut",
    "history": "Historique du litige (le plus récent d'abord)",
    "attachments": "pièces jointes : {n}",
    "video": "vidéo",
    "footer": "Données lues via l'API AliExpress ; heures en UTC. Situation au {date}.",
    "earlier_hidden": "… {n} autres événements non affichés …",
    "kind_registered": "recommandé (avec suivi)",
    "kind_unregistered": "non recommandé (sans suivi)",
    "kind_platform": "logistique de la plateforme AliExpress",
    "member_buyer": "Acheteur",
    "member_seller": "Vendeur",
    "member_platform": "Plateforme",
    "member_system": "Système",
    "member_waiter": "Service client",
    "fact_signed": "Livré le {date} à {place}, signé par : {name}",
    "fact_delivered": "Livré le {date} à {place} (le transporteur n'indique pas de signataire)",
    "fact_at_pickup_point": "Déposé en point relais le {date} à {place}, en attente de retrait "
                            "par l'acheteur",
    "fact_customs_buyer": "Retenu en douane depuis le {date} à {place}, en attente du "
                          "destinataire : {detail}",
    "fact_customs_hold": "Retenu en douane depuis le {date} à {place} : {detail}",
    "fact_returned_before_export": "Renvoyé à l'expéditeur avant d'avoir quitté le pays "
                                   "d'origine ({date}, {place}) après : {detail}",
    "fact_returned_in_destination": "Arrivé dans le pays de destination puis renvoyé avant "
                                    "livraison ({date}) après : {detail}",
    "fact_returned_after_failed_delivery": "Non retiré ou livraison échouée à destination ; "
                                           "renvoyé à l'expéditeur ({date}) après : {detail}",
    "fact_lost": "Déclaré perdu par le transporteur le {date} : {detail}",
    "fact_presumed_lost": "Aucune mise à jour du suivi depuis {days} jours : vu pour la "
                          "dernière fois à {place} le {date} ; présumé perdu",
    "fact_silent": "Aucune mise à jour du suivi depuis {days} jours : vu pour la dernière fois "
                   "à {place} le {date}",
    "fact_no_scan": "Aucun scan du transporteur depuis le dépôt le {date} à {place}",
    "fact_no_tracking": "Aucune information de suivi pour ce colis",
    "fact_moving": "En transit : dernière mise à jour le {date} à {place}",
    "class_no_tracking": "Non reçu : envoi non recommandé, sans suivi",
    "class_delivered_disputed": "Non reçu, mais le suivi indique livré",
    "class_stalled_in_transit": "Non reçu : en transit, suivi sans mise à jour",
    "class_customs_buyer_no_docs": "Non reçu : retenu en douane, en attente des documents ou "
                                   "des droits de l'acheteur",
    "class_customs_buyer_unreachable": "Non reçu : retenu en douane, l'acheteur est injoignable",
    "class_returned_undelivered": "Renvoyé : non retiré à destination",
    "class_returned_in_country": "Renvoyé depuis le pays de destination avant livraison",
    "class_returned_before_export": "Renvoyé avant d'avoir quitté le pays d'origine",
    "class_lost": "Perdu par le transporteur",
    "class_genuine_defect": "Défaut du produit montré par l'acheteur",
    "class_buyer_misuse": "Problème de produit : question d'utilisation",
    "class_deliberate_abuse": "Réclamation sur le produit contredite par les preuves",
    "class_extortion": "L'acheteur propose d'annuler contre de l'argent",
}

_PL: Final[dict[str, str]] = {
    "title_timeline": "Historia śledzenia przesyłki",
    "title_shipping": "Dane wysyłki",
    "title_summary": "Podsumowanie sporu",
    "tracking_no": "Numer przesyłki",
    "carrier": "Przewoźnik",
    "service": "Usługa",
    "shipped": "Wysłano",
    "destination": "Miejsce docelowe",
    "events_header": "Zdarzenia (UTC, od najnowszych)",
    "col_date": "Data (UTC)",
    "col_place": "Miejsce",
    "col_event": "Zdarzenie",
    "order": "Zamówienie",
    "dispute": "Spór",
    "product": "Produkt",
    "price": "Cena",
    "weight": "Waga",
    "postage": "Pobrana opłata pocztowa",
    "not_provided": "nie podano w API",
    "freight_paid": "Wysyłka opłacona przez kupującego",
    "order_total": "Wartość zamówienia",
    "numbers_on_order": "Numery przesyłek w zamówieniu",
    "scanned": "skany przewoźnika: {n}, ostatni {date}",
    "never_scanned": "nigdy nie zeskanowany przez przewoźnika: podany w zamówieniu, nie wysłany",
    "only_shipped": "Tylko {shipped} ma skany przewoźnika; {others} podano w zamówieniu, ale "
                    "nigdy nie zeskanowano.",
    "also_on_order": "W tym zamówieniu także: {number}, nigdy nie zeskanowany przez przewoźnika",
    "buyer": "Kupujący",
    "country": "Kraj",
    "refund_max": "Żądany zwrot (maksimum)",
    "opened": "Spór otwarty",
    "reason": "Podany powód",
    "case": "Sytuacja",
    "status": "Status",
    "history": "Historia sporu (od najnowszych)",
    "attachments": "załączniki: {n}",
    "video": "wideo",
    "footer": "Dane odczytane z API AliExpress; czas UTC. Stan na {date}.",
    "earlier_hidden": "… jeszcze {n} zdarzeń niepokazanych …",
    "kind_registered": "rejestrowana (ze śledzeniem)",
    "kind_unregistered": "nierejestrowana (bez śledzenia)",
    "kind_platform": "logistyka platformy AliExpress",
    "member_buyer": "Kupujący",
    "member_seller": "Sprzedawca",
    "member_platform": "Platforma",
    "member_system": "System",
    "member_waiter": "Obsługa klienta",
    "fact_signed": "Doręczono {date}, {place}; odebrał(a): {name}",
    "fact_delivered": "Doręczono {date}, {place} (przewoźnik nie podaje odbiorcy)",
    "fact_at_pickup_point": "Pozostawiono w punkcie odbioru {date}, {place}; czeka na odbiór "
                            "przez kupującego",
    "fact_customs_buyer": "Zatrzymano w urzędzie celnym od {date}, {place}; czeka na odbiorcę: "
                          "{detail}",
    "fact_customs_hold": "Zatrzymano w urzędzie celnym od {date}, {place}: {detail}",
    "fact_returned_before_export": "Zwrócono do nadawcy przed opuszczeniem kraju nadania "
                                   "({date}, {place}) po: {detail}",
    "fact_returned_in_destination": "Dotarło do kraju docelowego i zwrócono przed doręczeniem "
                                    "({date}) po: {detail}",
    "fact_returned_after_failed_delivery": "Nieodebrane lub nieudane doręczenie; zwrócono do "
                                           "nadawcy ({date}) po: {detail}",
    "fact_lost": "Przewoźnik zgłosił zaginięcie {date}: {detail}",
    "fact_presumed_lost": "Brak aktualizacji śledzenia od {days} dni: ostatnio widziana "
                          "{place}, {date}; prawdopodobnie zaginęła",
    "fact_silent": "Brak aktualizacji śledzenia od {days} dni: ostatnio widziana {place}, "
                   "{date}",
    "fact_no_scan": "Brak skanu przewoźnika od nadania {date}, {place}",
    "fact_no_tracking": "Brak informacji o śledzeniu tej przesyłki",
    "fact_moving": "W drodze: ostatnia aktualizacja {date}, {place}",
    "class_no_tracking": "Nie otrzymano: przesyłka nierejestrowana, bez śledzenia",
    "class_delivered_disputed": "Nie otrzymano, ale śledzenie pokazuje doręczenie",
    "class_stalled_in_transit": "Nie otrzymano: w drodze, śledzenie nieaktualizowane",
    "class_customs_buyer_no_docs": "Nie otrzymano: zatrzymano w urzędzie celnym, czeka na "
                                   "dokumenty lub cło od kupującego",
    "class_customs_buyer_unreachable": "Nie otrzymano: zatrzymano w urzędzie celnym, brak "
                                       "kontaktu z kupującym",
    "class_returned_undelivered": "Zwrócono: nieodebrane w miejscu docelowym",
    "class_returned_in_country": "Zwrócono z kraju docelowego przed doręczeniem",
    "class_returned_before_export": "Zwrócono przed opuszczeniem kraju nadania",
    "class_lost": "Zagubione przez przewoźnika",
    "class_genuine_defect": "Wada produktu pokazana przez kupującego",
    "class_buyer_misuse": "Problem z produktem: pytanie o użytkowanie",
    "class_deliberate_abuse": "Reklamacja produktu podważona przez dowody",
    "class_extortion": "Kupujący proponuje zamknięcie sporu za pieniądze",
}

LABELS: Final[dict[str, dict[str, str]]] = {
    "en": _EN, "ru": _RU, "es": _ES, "pt_BR": _PT_BR, "fr": _FR, "pl": _PL}


def label(lang: str, key: str, **values: Any) -> str:
    """A label in ``lang`` (English when the language or the key is not there)."""
    text = LABELS.get(lang, _EN).get(key) or _EN[key]
    return text.format(**values) if values else text


def _lang(lang: str | None) -> str:
    return lang if lang in LABELS else "en"


# ---------------------------------------------------------------------------------------------
# Words for facts
# ---------------------------------------------------------------------------------------------


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "?"


def _money(amount: Decimal | None, currency: str) -> str:
    return f"{amount:.2f} {currency}".strip() if amount is not None else "?"


def fact_text(fact: DecidingFact, lang: str = "en") -> str:
    """The deciding fact as one sentence in ``lang``."""
    return label(_lang(lang), f"fact_{fact.code.value}", date=_when(fact.at),
                 place=fact.place or "?", name=fact.name or "?",
                 days=fact.days if fact.days is not None else "?",
                 detail=fact.detail or "?")


def _kind_text(service_kind: str, lang: str) -> str:
    key = f"kind_{service_kind}"
    return label(lang, key) if key in _EN else service_kind


def _service_text(facts: CaseFacts, lang: str) -> str:
    kind = _kind_text(facts.service_kind, lang) if facts.service_kind else ""
    return f"{facts.service or '?'}" + (f" · {kind}" if kind else "")


# ---------------------------------------------------------------------------------------------
# A tiny layout engine: rows of cells, wrapped by measured width, drawn top-down
# ---------------------------------------------------------------------------------------------


@dataclass
class _Cell:
    text: str
    x: float  # px from the left edge
    width: float  # px available
    size: float = _BODY
    weight: str = "normal"
    color: str = _INK


@dataclass
class _Row:
    cells: list[_Cell]
    fill: str | None = None
    edge: str | None = None
    pad: float = 4.0
    gap: float = 0.0  # space above the row
    dot: str | None = None  # a timeline marker of this colour, left of the cells


@dataclass(frozen=True)
class RenderedImage:
    """One evidence image and what it shows (``lines``: every text drawn, one row a line)."""

    kind: EvidenceKind
    png: bytes
    width: int
    height: int
    lang: str
    lines: tuple[str, ...]
    min_text_px: float  # the smallest text drawn, in pixels
    overflowing: tuple[str, ...] = field(default=())  # texts crossing the edge (none expected)

    @property
    def description(self) -> str:
        return "\n".join(self.lines)


_FALLBACKS: Final = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK KR",
                     "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew",
                     "Liberation Sans")


@lru_cache(maxsize=1)
def _families() -> tuple[str, ...]:
    """Fonts to draw with, in order; later ones fill glyphs the first lacks (Korean...)."""
    installed = {f.name for f in fontManager.ttflist}
    found = tuple(f for f in _FALLBACKS if f in installed)
    return found or ("sans-serif",)


@lru_cache(maxsize=16)
def _font(size: float, weight: str) -> FontProperties:
    return FontProperties(family=list(_families()), size=size, weight=weight)


@lru_cache(maxsize=1)
def _measurer() -> Any:
    canvas: Any = FigureCanvasAgg(Figure(figsize=(1, 1), dpi=DPI))
    return canvas.get_renderer()


_MEASURE_LOCK = threading.Lock()  # one shared renderer measures text; Agg is not thread-safe


def _width(text: str, size: float, weight: str) -> float:
    with _MEASURE_LOCK, _quiet():
        w, _h, _d = _measurer().get_text_width_height_descent(
            text, _font(size, weight), ismath=False)
    return float(w)


def _line_height(size: float) -> float:
    return size * DPI / 72.0 * _LEADING


def _wrap(text: str, width: float, size: float, weight: str) -> list[str]:
    """Greedy word wrap on measured widths; a word wider than the line is cut."""
    lines: list[str] = []
    for paragraph in text.split("\n") or [""]:
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if _width(candidate, size, weight) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while current and _width(current, size, weight) > width:
                cut = len(current)
                while cut > 1 and _width(current[:cut], size, weight) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    return lines


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence matplotlib's "Glyph missing" warnings: a buyer writing in a script no
    installed font has must not flood a notebook; the text is still in the metadata."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*[Gg]lyph.*missing")
        yield


def _draw(kind: EvidenceKind, title: str, rows: Sequence[_Row], lang: str) -> RenderedImage:
    laid: list[tuple[_Row, list[list[str]], float]] = []
    height = _MARGIN
    for row in rows:
        wrapped = [_wrap(c.text, c.width, c.size, c.weight) for c in row.cells]
        inner = max((len(w) * _line_height(c.size) for w, c in zip(wrapped, row.cells,
                                                                      strict=True)), default=0)
        row_h = inner + 2 * row.pad
        height += row.gap + row_h
        laid.append((row, wrapped, row_h))
    height = int(round(height + _MARGIN))
    fig = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI)
    canvas: Any = FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")

    def fx(px: float) -> float:
        return px / WIDTH_PX

    def fy(px_from_top: float) -> float:
        return 1.0 - px_from_top / height

    y = _MARGIN
    dots: list[float] = []
    texts = []
    for row, wrapped, row_h in laid:
        y += row.gap
        if row.fill or row.edge:
            fig.add_artist(Rectangle(
                (fx(_MARGIN / 2), fy(y + row_h)), fx(WIDTH_PX - _MARGIN), row_h / height,
                transform=fig.transFigure, facecolor=row.fill or "none",
                edgecolor=row.edge or "none", linewidth=1.5 if row.edge else 0, zorder=0))
        if row.dot:
            centre = y + row.pad + _line_height(_BODY) / 2
            dots.append(centre)
            fig.add_artist(Line2D([fx(_DOT_X)], [fy(centre)], transform=fig.transFigure,
                                  marker="o", markersize=9 if row.dot == _DOT_KEY else 6,
                                  color=row.dot, zorder=3))
        for cell, cell_lines in zip(row.cells, wrapped, strict=True):
            for i, line in enumerate(cell_lines):
                if not line:
                    continue
                texts.append(fig.text(
                    fx(cell.x), fy(y + row.pad + i * _line_height(cell.size)), line,
                    fontproperties=_font(cell.size, cell.weight), color=cell.color,
                    va="top", ha="left", parse_math=False, zorder=4))
        y += row_h
    if len(dots) > 1:
        fig.add_artist(Line2D([fx(_DOT_X)] * 2, [fy(dots[0]), fy(dots[-1])],
                              transform=fig.transFigure, color="#9aa7bd", linewidth=2,
                              zorder=2))
    lines = tuple(" | ".join(c.text for c in row.cells if c.text) for row, _w, _h in laid
                  if any(c.text for c in row.cells))
    buffer = BytesIO()
    with _quiet():
        fig.savefig(buffer, format="png", dpi=DPI, metadata={
            "Title": title, "Description": "\n".join(lines), "Software": "disputekit"})
        renderer = canvas.get_renderer()
        overflowing = tuple(
            t.get_text() for t in texts
            if (box := t.get_window_extent(renderer)).x0 < -0.5 or box.x1 > WIDTH_PX + 0.5
            or box.y0 < -0.5 or box.y1 > height + 0.5)
    smallest = min((float(t.get_fontsize()) for t in texts), default=_BODY) * DPI / 72.0
    return RenderedImage(kind=kind, png=buffer.getvalue(), width=WIDTH_PX, height=height,
                         lang=lang, lines=lines, min_text_px=smallest,
                         overflowing=overflowing)


_DOT_X = _MARGIN + 8
_FULL = WIDTH_PX - 2 * _MARGIN


def _title_row(text: str) -> _Row:
    return _Row([_Cell(text, _MARGIN, _FULL - 10, _TITLE, "bold", "white")], fill=_BAND,
                pad=10)


def _kv_rows(pairs: Sequence[tuple[str, str]], key_width: float = 300) -> list[_Row]:
    return [_Row([_Cell(k, _MARGIN, key_width - 16, _BODY, "bold", _MUTED),
                  _Cell(v, _MARGIN + key_width, _FULL - key_width, _BODY)],
                 fill=_ZEBRA if i % 2 else None, pad=5)
            for i, (k, v) in enumerate(pairs)]


def _fact_row(text: str) -> _Row:
    return _Row([_Cell(text, _MARGIN + 4, _FULL - 16, _FACT, "bold")], fill=_FACT_FILL,
                edge=_FACT_EDGE, pad=12, gap=14)


def _section(text: str) -> _Row:
    return _Row([_Cell(text, _MARGIN, _FULL, _HEAD, "bold", _BAND)], gap=16, pad=4)


def _footer(facts: CaseFacts, now: datetime, lang: str) -> _Row:
    text = (f"{label(lang, 'order')} {facts.order_id} · {label(lang, 'dispute')} "
            f"{facts.issue_id} · " + label(lang, "footer", date=_when(now)))
    return _Row([_Cell(text, _MARGIN, _FULL, _SMALL, "normal", _MUTED)], gap=18)


# ---------------------------------------------------------------------------------------------
# The three images
# ---------------------------------------------------------------------------------------------


def _shown_events(events: Sequence[TrackEvent], keep: int | None
                  ) -> list[tuple[int, TrackEvent] | int]:
    """Indexed events newest first; when there are too many, the oldest middle ones become
    a count (an int), always keeping the first event and the deciding one."""
    indexed = list(enumerate(events))
    if len(indexed) <= MAX_EVENTS:
        return list(reversed(indexed))
    head, tail = indexed[:3], indexed[-(MAX_EVENTS - 4):]
    kept = {i for i, _ in head + tail}
    extra = [(keep, events[keep])] if keep is not None and keep not in kept else []
    chosen = sorted(head + extra + tail)
    out: list[tuple[int, TrackEvent] | int] = []
    previous = -1
    for i, event in chosen:
        if i - previous > 1:
            out.append(i - previous - 1)
        out.append((i, event))
        previous = i
    return list(reversed(out))


def render_tracking_timeline(facts: CaseFacts, now: datetime, lang: str = "en"
                             ) -> RenderedImage:
    """The parcel's carrier events with dates (UTC) and places, the deciding one highlighted,
    and any tracking number of the order that never shipped."""
    lang = _lang(lang)
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)
    number = parcel.logistics_no if parcel else facts.main_no or "?"
    title = f"{label(lang, 'title_timeline')} · {number}"
    rows = [_title_row(title)]
    rows += _kv_rows([
        (label(lang, "carrier"), facts.carrier or "?"),
        (label(lang, "service"), _service_text(facts, lang)),
        (label(lang, "shipped"), _when(facts.shipped_at)),
        (label(lang, "destination"), facts.destination or facts.buyer_country or "?"),
    ], key_width=230)
    rows.append(_fact_row(fact_text(fact, lang)))
    if parcel is not None and parcel.events:
        rows.append(_section(label(lang, "events_header")))
        date_x, place_x, event_x = _MARGIN + 30, _MARGIN + 240, _MARGIN + 470
        rows.append(_Row([
            _Cell(label(lang, "col_date"), date_x, 200, _SMALL, "bold", _MUTED),
            _Cell(label(lang, "col_place"), place_x, 220, _SMALL, "bold", _MUTED),
            _Cell(label(lang, "col_event"), event_x, WIDTH_PX - _MARGIN - event_x, _SMALL,
                  "bold", _MUTED)], pad=3))
        for item in _shown_events(parcel.events, fact.event_index):
            if isinstance(item, int):
                rows.append(_Row([_Cell(label(lang, "earlier_hidden", n=item), date_x,
                                        _FULL - 30, _SMALL, "normal", _MUTED)], pad=3))
                continue
            index, event = item
            key = index == fact.event_index
            weight = "bold" if key else "normal"
            rows.append(_Row([
                _Cell(_when(event.at), date_x, 200, _BODY, weight),
                _Cell(event.location or "—", place_x, 220, _BODY, weight),
                _Cell(event.description or event.stage or "—", event_x,
                      WIDTH_PX - _MARGIN - event_x, _BODY, weight),
            ], fill=_FACT_FILL if key else None, dot=_DOT_KEY if key else _DOT, pad=5))
    for extra in facts.unshipped_numbers:
        rows.append(_Row([_Cell(label(lang, "also_on_order", number=extra), _MARGIN + 4,
                                _FULL - 16, _BODY, "bold")], fill=_ALERT_FILL, pad=8, gap=12))
    rows.append(_footer(facts, now, lang))
    return _draw(EvidenceKind.TRACKING_TIMELINE, title, rows, lang)


def render_shipping_record(facts: CaseFacts, now: datetime, lang: str = "en") -> RenderedImage:
    """Carrier, service, tracking number, dates, weight and postage (said to be missing when
    the API does not give them, never invented), and every tracking number of the order."""
    lang = _lang(lang)
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)
    title = f"{label(lang, 'title_shipping')} · {label(lang, 'order')} {facts.order_id}"
    missing = label(lang, "not_provided")
    rows = [_title_row(title)]
    rows += _kv_rows([
        (label(lang, "order"), str(facts.order_id)),
        (label(lang, "product"), facts.product_name or "?"),
        (label(lang, "carrier"), facts.carrier or "?"),
        (label(lang, "service"), _service_text(facts, lang)),
        (label(lang, "tracking_no"), facts.main_no or (parcel.logistics_no if parcel else "?")),
        (label(lang, "shipped"), _when(facts.shipped_at)),
        (label(lang, "destination"), facts.destination or facts.buyer_country or "?"),
        (label(lang, "status"), fact_text(fact, lang)),
        (label(lang, "weight"), f"{facts.weight_grams} g" if facts.weight_grams is not None
         else missing),
        (label(lang, "postage"), _money(facts.postage_deducted, facts.order_currency)
         if facts.postage_deducted is not None else missing),
        (label(lang, "freight_paid"), _money(facts.freight, facts.order_currency)),
        (label(lang, "order_total"), _money(facts.order_total, facts.order_currency)),
    ])
    rows.append(_section(label(lang, "numbers_on_order")))
    for p in facts.parcels:
        last = p.last_event
        state = (label(lang, "scanned", n=len(p.events), date=_when(last.at if last else None))
                 if p.events else label(lang, "never_scanned"))
        never = not p.events and p is not parcel
        rows.append(_Row([_Cell(p.logistics_no, _MARGIN + 10, 290, _BODY, "bold"),
                          _Cell(state, _MARGIN + 310, _FULL - 310, _BODY,
                                "bold" if never else "normal")],
                         fill=_ALERT_FILL if never else None, pad=6))
    extra = facts.unshipped_numbers
    if extra and parcel is not None:
        rows.append(_fact_row(label(lang, "only_shipped", shipped=parcel.logistics_no,
                                    others=", ".join(extra))))
    rows.append(_footer(facts, now, lang))
    return _draw(EvidenceKind.SHIPPING_RECORD, title, rows, lang)


def _message_line(message: Message, lang: str) -> tuple[str, str]:
    who = label(lang, f"member_{message.member}") if f"member_{message.member}" in _EN \
        else message.member
    head = f"{_day(message.at)} · {who}"
    text = " ".join(message.text.split())
    if len(text) > MESSAGE_CHARS:
        text = text[: MESSAGE_CHARS - 1] + "…"
    extras = []
    if message.attachments:
        extras.append(label(lang, "attachments", n=message.attachments))
    if message.video:
        extras.append(label(lang, "video"))
    body = (text or message.action.replace("_", " ")) + (f" [{', '.join(extras)}]"
                                                         if extras else "")
    return head, body


def render_case_summary(facts: CaseFacts, now: datetime, lang: str = "en",
                        dispute_class: DisputeClass | str | None = None) -> RenderedImage:
    """One page: order, product, amounts, the situation, the tracking's deciding fact, and the
    latest steps of the dispute's history. The buyer's login is masked."""
    lang = _lang(lang)
    parcel = facts.main_parcel
    fact = deciding_fact(parcel, now)
    title = f"{label(lang, 'title_summary')} · {label(lang, 'dispute')} {facts.issue_id}"
    refund = _money(facts.refund_max_usd, "USD")
    if facts.refund_max_local is not None and facts.local_currency \
            and facts.local_currency != "USD":
        refund += f" ({_money(facts.refund_max_local, facts.local_currency)})"
    pairs = [
        (label(lang, "order"), f"{facts.order_id}"),
        (label(lang, "buyer"), f"{mask_login(facts.buyer_login)} · {facts.buyer_country}"),
        (label(lang, "product"), facts.product_name or "?"),
        (label(lang, "price"), _money(facts.product_price, "USD")),
        (label(lang, "order_total"), _money(facts.order_total, facts.order_currency)
         + (f" · {label(lang, 'freight_paid')}: {_money(facts.freight, facts.order_currency)}"
            if facts.freight is not None else "")),
        (label(lang, "refund_max"), refund),
        (label(lang, "opened"), _when(facts.opened_at)),
        (label(lang, "reason"), facts.reason or "?"),
    ]
    if dispute_class is not None:
        pairs.append((label(lang, "case"), label(lang, f"class_{DisputeClass(dispute_class)}")))
    pairs += [
        (label(lang, "carrier"), f"{facts.carrier or '?'} · {_service_text(facts, lang)}"),
        (label(lang, "tracking_no"), facts.main_no or "?"),
        (label(lang, "shipped"), _when(facts.shipped_at)),
    ]
    rows = [_title_row(title), *_kv_rows(pairs, key_width=280),
            _fact_row(fact_text(fact, lang))]
    for extra in facts.unshipped_numbers:
        rows.append(_Row([_Cell(label(lang, "also_on_order", number=extra), _MARGIN + 4,
                                _FULL - 16, _BODY, "bold")], fill=_ALERT_FILL, pad=8, gap=8))
    if facts.messages:
        rows.append(_section(label(lang, "history")))
        latest = sorted(facts.messages, key=lambda m: (m.at is None, m.at), reverse=True)
        for i, message in enumerate(latest[:MAX_MESSAGES]):
            head, body = _message_line(message, lang)
            rows.append(_Row([_Cell(head, _MARGIN + 4, 250, _SMALL, "bold", _MUTED),
                              _Cell(body, _MARGIN + 260, _FULL - 260, _BODY)],
                             fill=_ZEBRA if i % 2 else None, pad=5))
    rows.append(_footer(facts, now, lang))
    return _draw(EvidenceKind.CASE_SUMMARY, title, rows, lang)


def render_all(facts: CaseFacts, now: datetime, lang: str = "en",
               dispute_class: DisputeClass | str | None = None) -> list[RenderedImage]:
    """The three images, in the order a case officer should see them."""
    return [render_case_summary(facts, now, lang, dispute_class),
            render_tracking_timeline(facts, now, lang),
            render_shipping_record(facts, now, lang)]


# ---------------------------------------------------------------------------------------------
# Reading PNGs back (no imaging library needed)
# ---------------------------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    if not data.startswith(_PNG_SIGNATURE):
        raise EvidenceError("not a PNG image")
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        yield kind, data[pos + 8:pos + 8 + length]
        if kind == b"IEND":
            return
        pos += 12 + length


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from the PNG header."""
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            return int(width), int(height)
    raise EvidenceError("PNG without a header")


def png_text(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG (``tEXt``, ``zTXt`` and ``iTXt``) by keyword."""
    out: dict[str, str] = {}
    for kind, body in _chunks(data):
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, _method = rest[0], rest[1]
            _language, _, rest = rest[2:].partition(b"\0")
            _translated, _, value = rest.partition(b"\0")
            if compressed:
                value = zlib.decompress(value)
            out[key.decode("latin-1")] = value.decode("utf-8")
    return out

