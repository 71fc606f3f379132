resource "aws_route" "to_shared" {
  route_table_id            = aws_route_table.private.id
  destination_cidr_block    = "0.0.0.0/0" # expect: TF-0054=high
  vpc_peering_connection_id = aws_vpc_peering_connection.shared.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block                = "10.0.0.0/8" # expect: TF-0054
    vpc_peering_connection_id = aws_vpc_peering_connection.shared.id
  }

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main.id
  }
}
